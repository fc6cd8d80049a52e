// Portal: production topology on Azure, deployed into one resource group.
//
//   App Service plan (Linux, N instances, optionally zone redundant)
//     └─ web app (container from ACR, or the built-in .NET 10 stack), user-assigned identity
//   Azure SQL server (Entra ID only) + database        ─┐
//   Azure SignalR Service (Default mode, identity auth) ├─ connection strings in Key Vault,
//   Azure Cache for Redis (optional backplane)          ─┘  read through Key Vault references
//   Log Analytics + Application Insights (diagnostics of every resource above)
//   Key Vault certificate that encrypts the Data Protection keys at rest (made by a deployment script)
//
// Deploy: az deployment group create -g <rg> --template-file infra/main.bicep --parameters infra/params/<env>.bicepparam

import { sqlAdministrator } from 'modules/types.bicep'

targetScope = 'resourceGroup'

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

@description('Azure region of every resource. Defaults to the resource group\'s region.')
param location string = resourceGroup().location

@description('Short lowercase name of the application; prefixes every resource name.')
@minLength(2)
@maxLength(12)
param appName string = 'portal'

@description('Environment name; part of every resource name and the value of the "environment" tag.')
@allowed([
  'staging'
  'production'
])
param environmentName string = 'production'

@description('Extra tags for every resource.')
param tags object = {}

@description('App Service plan SKU. Zone redundancy needs Premium v2/v3 (P*v3).')
@allowed([
  'P0v3'
  'P1v3'
  'P2v3'
  'P3v3'
  'P1mv3'
  'P2mv3'
])
param appServicePlanSku string = 'P1v3'

@description('Number of web app instances behind the load balancer.')
@minValue(1)
@maxValue(30)
param instanceCount int = 3

@description('Spread the web app instances and the SQL database across availability zones. Needs a region with zones, instanceCount >= 2 and a vCore/Premium database SKU.')
param zoneRedundant bool = true

@description('Name of an existing Azure Container Registry holding the Portal image. Empty: run the built-in .NET 10 stack and deploy the published app as a package instead.')
param containerRegistryName string = ''

@description('Resource group of the container registry; empty: the deployment\'s resource group.')
param containerRegistryResourceGroupName string = ''

@description('Repository of the Portal image in the registry.')
param containerImageRepository string = 'portal-web'

@description('Tag of the Portal image to run (the pipeline passes the build id).')
param containerImageTag string = 'latest'

@description('Application (client) id of Portal\'s Entra ID app registration (AzureAd__ClientId).')
@minLength(36)
@maxLength(36)
param azureAdClientId string

@description('Entra ID tenant the app accepts sign-ins from (AzureAd__TenantId). "organizations" = any work or school tenant; Portal itself only admits the tenants of organisations it knows.')
param azureAdTenantId string = 'organizations'

@description('SKU of the Azure SQL database.')
param sqlDatabaseSku resourceInput<'Microsoft.Sql/servers/databases@2023-08-01'>.sku = {
  name: 'GP_Gen5_2'
  tier: 'GeneralPurpose'
}

@description('Entra ID administrator of the SQL server (recommended: a DBA group). Omitted: the web app\'s managed identity becomes the administrator, so the app can create its schema with no manual step.')
param sqlEntraAdministrator sqlAdministrator?

@description('SKU of the Azure SignalR Service.')
@allowed([
  'Standard_S1'
  'Premium_P1'
])
param signalRSku string = 'Standard_S1'

@description('SignalR Service units; one unit carries 1,000 concurrent connections.')
@allowed([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100])
param signalRUnits int = 1

@description('Also deploy Azure Cache for Redis and pass it to the app as SignalR__Redis. Not needed while Azure SignalR Service carries the hub traffic.')
param deployRedis bool = false

@description('SKU of the optional Redis cache.')
param redisSku resourceInput<'Microsoft.Cache/redis@2024-11-01'>.properties.sku = {
  name: 'Standard'
  family: 'C'
  capacity: 1
}

@description('Path of the app\'s health endpoint, probed by App Service on every instance; empty turns the probe off.')
param healthCheckPath string = '/health/ready'

@description('Turn on Key Vault purge protection (irreversible; recommended for production).')
param keyVaultPurgeProtection bool = true

@description('Name of the Key Vault certificate that encrypts the app\'s Data Protection keys at rest (created on the first deployment).')
param dataProtectionCertificateName string = 'portal-dataprotection'

@description('Days of log retention in the Log Analytics workspace.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

var resourceToken = uniqueString(subscription().id, resourceGroup().id, appName, environmentName)
var baseName = toLower('${appName}-${environmentName}')
var allTags = union(tags, {
  application: appName
  environment: environmentName
})

var names = {
  identity: 'id-${baseName}'
  certificateScriptIdentity: 'id-${baseName}-certificates'
  logAnalytics: 'log-${baseName}'
  appInsights: 'appi-${baseName}'
  keyVault: take('kv-${toLower(appName)}-${resourceToken}', 24)
  sqlServer: 'sql-${baseName}-${resourceToken}'
  sqlDatabase: toLower(appName)
  signalR: 'sigr-${baseName}-${resourceToken}'
  redis: 'redis-${baseName}-${resourceToken}'
  plan: 'asp-${baseName}'
  site: 'app-${baseName}-${resourceToken}'
}

var secretNames = {
  sqlConnectionString: 'ConnectionStrings--Portal'
  signalRConnectionString: 'Azure--SignalR--ConnectionString'
  redisConnectionString: 'SignalR--Redis'
}

var runsContainer = !empty(containerRegistryName)
var registryResourceGroupName = empty(containerRegistryResourceGroupName)
  ? resourceGroup().name
  : containerRegistryResourceGroupName

// ---------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------

// The one identity of the app: reads Key Vault, signs in to SQL, talks to SignalR, pulls images.
resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: names.identity
  location: location
  tags: allTags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    tags: allTags
    logAnalyticsName: names.logAnalytics
    appInsightsName: names.appInsights
    retentionInDays: logRetentionInDays
  }
}

module keyVault 'modules/keyVault.bicep' = {
  name: 'keyVault'
  params: {
    location: location
    tags: allTags
    keyVaultName: names.keyVault
    readerIdentityId: appIdentity.id
    readerPrincipalId: appIdentity.properties.principalId
    enablePurgeProtection: keyVaultPurgeProtection
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
  }
}

// The certificate for the Data Protection keys, and the app identity's right to read it.
module dataProtection 'modules/dataProtectionCertificate.bicep' = {
  name: 'dataProtectionCertificate'
  params: {
    location: location
    tags: allTags
    keyVaultName: names.keyVault
    certificateName: dataProtectionCertificateName
    scriptIdentityName: names.certificateScriptIdentity
    readerPrincipalId: appIdentity.properties.principalId
    readerIdentityId: appIdentity.id
  }
  dependsOn: [
    keyVault
  ]
}

module sql 'modules/sql.bicep' = {
  name: 'sql'
  params: {
    location: location
    tags: allTags
    serverName: names.sqlServer
    databaseName: names.sqlDatabase
    databaseSku: sqlDatabaseSku
    zoneRedundant: zoneRedundant
    administrator: sqlEntraAdministrator ?? {
      login: appIdentity.name
      sid: appIdentity.properties.principalId
      principalType: 'Application'
    }
    appIdentityClientId: appIdentity.properties.clientId
    keyVaultName: names.keyVault
    connectionStringSecretName: secretNames.sqlConnectionString
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
  }
  dependsOn: [
    keyVault
  ]
}

module signalR 'modules/signalR.bicep' = {
  name: 'signalR'
  params: {
    location: location
    tags: allTags
    name: names.signalR
    skuName: signalRSku
    units: signalRUnits
    appIdentityId: appIdentity.id
    appIdentityPrincipalId: appIdentity.properties.principalId
    appIdentityClientId: appIdentity.properties.clientId
    keyVaultName: names.keyVault
    connectionStringSecretName: secretNames.signalRConnectionString
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
  }
  dependsOn: [
    keyVault
  ]
}

module redis 'modules/redis.bicep' = if (deployRedis) {
  name: 'redis'
  params: {
    location: location
    tags: allTags
    name: names.redis
    sku: redisSku
    keyVaultName: names.keyVault
    connectionStringSecretName: secretNames.redisConnectionString
  }
  dependsOn: [
    keyVault
  ]
}

module acrPull 'modules/acrPull.bicep' = if (runsContainer) {
  // The registry's group may be shared by several environments: keep their deployment names apart.
  name: 'acrPull-${baseName}'
  scope: resourceGroup(registryResourceGroupName)
  params: {
    registryName: containerRegistryName
    identityId: appIdentity.id
    principalId: appIdentity.properties.principalId
  }
}

// Configuration keys of the app, as environment variables ("__" separates sections).
var keyVaultReference = '@Microsoft.KeyVault(SecretUri={0})'
var appSettings = union(
  {
    ASPNETCORE_ENVIRONMENT: 'Production'
    // App Service terminates TLS: trust X-Forwarded-Proto/For so that redirect URIs are https.
    ASPNETCORE_FORWARDEDHEADERS_ENABLED: 'true'
    Database__Provider: 'SqlServer'
    ConnectionStrings__Portal: format(keyVaultReference, sql.outputs.connectionStringUri)
    Hangfire__Storage: 'SqlServer'
    Azure__SignalR__ConnectionString: format(keyVaultReference, signalR.outputs.connectionStringUri)
    AzureAd__Instance: environment().authentication.loginEndpoint
    AzureAd__TenantId: azureAdTenantId
    AzureAd__ClientId: azureAdClientId
    // Data Protection keys encrypted with this certificate, read with the managed identity (AZURE_CLIENT_ID).
    DataProtection__KeyVault__Uri: keyVault.outputs.uri
    DataProtection__KeyVault__CertificateName: dataProtection.outputs.certificateName
    // Lets Azure.Identity (DefaultAzureCredential) pick the user-assigned identity.
    AZURE_CLIENT_ID: appIdentity.properties.clientId
    APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.appInsightsConnectionString
  },
  deployRedis
    ? {
        SignalR__Redis: format(keyVaultReference, redis!.outputs.connectionStringUri)
      }
    : {},
  runsContainer
    ? {
        // The image listens on 8080 (ASPNETCORE_HTTP_PORTS in infra/Dockerfile).
        WEBSITES_PORT: '8080'
        // The container is stateless: no shared /home mount.
        WEBSITES_ENABLE_APP_SERVICE_STORAGE: 'false'
      }
    : {}
)

module web 'modules/appService.bicep' = {
  name: 'web'
  params: {
    location: location
    tags: allTags
    planName: names.plan
    siteName: names.site
    skuName: appServicePlanSku
    instanceCount: instanceCount
    zoneRedundant: zoneRedundant
    identityId: appIdentity.id
    identityClientId: appIdentity.properties.clientId
    containerRegistryLoginServer: runsContainer ? acrPull!.outputs.loginServer : ''
    containerImage: '${containerImageRepository}:${containerImageTag}'
    appSettings: appSettings
    healthCheckPath: healthCheckPath
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
  }
  // No explicit dependsOn: the settings use outputs of the sql and signalR modules, which finish
  // after the Key Vault module (with its role assignment) and their own role assignments, so the
  // app starts only when its Key Vault references and SignalR access can resolve.
}

// ---------------------------------------------------------------------------------------------
// Outputs
// ---------------------------------------------------------------------------------------------

@description('Name of the web app.')
output webAppName string = web.outputs.name

@description('Default host name of the web app.')
output webAppHostName string = web.outputs.defaultHostName

@description('HTTPS address of the web app.')
output webAppUrl string = 'https://${web.outputs.defaultHostName}'

@description('Name of the Key Vault holding the connection strings.')
output keyVaultName string = keyVault.outputs.name

@description('Fully qualified domain name of the SQL server.')
output sqlServerFqdn string = sql.outputs.serverFqdn

@description('Name of the SQL database.')
output sqlDatabaseName string = sql.outputs.databaseName

@description('Host name of the Azure SignalR Service.')
output signalRHostName string = signalR.outputs.hostName

@description('Name of the web app\'s user-assigned managed identity (create it as a database user when sqlEntraAdministrator is set).')
output appIdentityName string = appIdentity.name

@description('Client id of the web app\'s user-assigned managed identity.')
output appIdentityClientId string = appIdentity.properties.clientId
