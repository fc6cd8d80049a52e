// Linux App Service plan and the Portal web app (container image or the built-in .NET 10 stack),
// running as the user-assigned managed identity, with its logs sent to Log Analytics.

@description('Azure region for the resources.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the App Service plan.')
param planName string

@description('Name of the web app (globally unique: it becomes <name>.azurewebsites.net).')
param siteName string

@description('Plan SKU, for example P1v3. Zone redundancy needs a Premium v2/v3 SKU.')
param skuName string

@description('Number of instances behind the App Service load balancer.')
@minValue(1)
param instanceCount int

@description('Spread the instances across availability zones (needs at least 2 instances).')
param zoneRedundant bool

@description('Resource id of the user-assigned managed identity the app runs as.')
param identityId string

@description('Client id of that identity (used to pull images from the container registry).')
param identityClientId string

@description('Login server of the container registry; empty to run the built-in .NET stack instead of a container.')
param containerRegistryLoginServer string

@description('Image reference inside the registry, "repository:tag".')
param containerImage string

@description('App settings (environment variables of the app).')
param appSettings object

@description('Path of the health endpoint App Service probes on every instance; empty to turn the probe off.')
param healthCheckPath string

@description('Resource id of the Log Analytics workspace for the app logs.')
param logAnalyticsWorkspaceId string

var runsContainer = !empty(containerRegistryLoginServer)

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'linux'
  sku: {
    name: skuName
    capacity: instanceCount
  }
  properties: {
    reserved: true // Linux
    zoneRedundant: zoneRedundant
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: siteName
  location: location
  tags: tags
  kind: runsContainer ? 'app,linux,container' : 'app,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // No instance affinity: SignalR traffic goes through Azure SignalR Service, and the app keeps
    // its Data Protection keys in the shared database, so any instance can serve any request.
    clientAffinityEnabled: false
    // Key Vault references resolve with the user-assigned identity, not a system-assigned one.
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      linuxFxVersion: runsContainer ? 'DOCKER|${containerRegistryLoginServer}/${containerImage}' : 'DOTNETCORE|10.0'
      acrUseManagedIdentityCreds: runsContainer
      acrUserManagedIdentityID: runsContainer ? identityClientId : null
      alwaysOn: true
      http20Enabled: true
      webSocketsEnabled: true
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      healthCheckPath: empty(healthCheckPath) ? null : healthCheckPath
      appSettings: map(items(appSettings), setting => {
        name: setting.key
        value: setting.value
      })
    }
  }
}

// Deployments authenticate with Entra ID; no basic-auth publishing credentials.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: site
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        category: 'AppServiceHTTPLogs'
        enabled: true
      }
      {
        category: 'AppServiceConsoleLogs'
        enabled: true
      }
      {
        category: 'AppServiceAppLogs'
        enabled: true
      }
      {
        category: 'AppServicePlatformLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

@description('Name of the web app.')
output name string = site.name

@description('Default host name of the web app.')
output defaultHostName string = site.properties.defaultHostName
