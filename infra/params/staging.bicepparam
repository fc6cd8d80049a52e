// Staging: same topology as production, smaller and without zone redundancy.
// Values that differ per deployment come from environment variables set by azure-pipelines.yml.
using '../main.bicep'

param environmentName = 'staging'
param instanceCount = 2
param zoneRedundant = false
param appServicePlanSku = 'P0v3'
param sqlDatabaseSku = {
  name: 'S1'
  tier: 'Standard'
}
param keyVaultPurgeProtection = false
param azureAdClientId = readEnvironmentVariable('PORTAL_AZUREAD_CLIENT_ID')
param containerRegistryName = readEnvironmentVariable('PORTAL_ACR_NAME', '')
param containerRegistryResourceGroupName = readEnvironmentVariable('PORTAL_ACR_RESOURCE_GROUP', '')
param containerImageTag = readEnvironmentVariable('PORTAL_IMAGE_TAG', 'latest')
