// Production: three zone-redundant instances, vCore database, purge-protected Key Vault.
// Values that differ per deployment come from environment variables set by azure-pipelines.yml.
using '../main.bicep'

param environmentName = 'production'
param instanceCount = 3
param zoneRedundant = true
param appServicePlanSku = 'P1v3'
param sqlDatabaseSku = {
  name: 'GP_Gen5_2'
  tier: 'GeneralPurpose'
}
param signalRUnits = 1
param keyVaultPurgeProtection = true
param azureAdClientId = readEnvironmentVariable('PORTAL_AZUREAD_CLIENT_ID')
param containerRegistryName = readEnvironmentVariable('PORTAL_ACR_NAME', '')
param containerRegistryResourceGroupName = readEnvironmentVariable('PORTAL_ACR_RESOURCE_GROUP', '')
param containerImageTag = readEnvironmentVariable('PORTAL_IMAGE_TAG', 'latest')
