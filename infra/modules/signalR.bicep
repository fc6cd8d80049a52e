// Azure SignalR Service in Default mode: the app servers keep the hub logic, the service carries the
// client connections and fans messages out across every instance. Access by managed identity only.

@description('Azure region for the resources.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the SignalR Service (globally unique).')
param name string

@description('SKU of the SignalR Service.')
@allowed([
  'Standard_S1'
  'Premium_P1'
])
param skuName string

@description('Units (1 unit = 1,000 concurrent connections).')
@allowed([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100])
param units int

@description('Resource id of the managed identity of the app servers (seeds the role assignment name).')
param appIdentityId string

@description('Principal id of that managed identity.')
param appIdentityPrincipalId string

@description('Client id of the same managed identity (goes into the connection string).')
param appIdentityClientId string

@description('Name of the existing Key Vault that receives the connection string.')
param keyVaultName string

@description('Name of the Key Vault secret that holds the connection string.')
param connectionStringSecretName string

@description('Resource id of the Log Analytics workspace for the service diagnostics.')
param logAnalyticsWorkspaceId string

// Built-in role "SignalR App Server": open server connections and issue client tokens.
resource appServerRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: '420fcaa2-552c-430f-98ca-3264be4806c7'
}

resource signalR 'Microsoft.SignalRService/signalR@2024-03-01' = {
  name: name
  location: location
  tags: tags
  kind: 'SignalR'
  sku: {
    name: skuName
    capacity: units
  }
  properties: {
    features: [
      {
        flag: 'ServiceMode'
        value: 'Default'
      }
      {
        flag: 'EnableConnectivityLogs'
        value: 'True'
      }
    ]
    // No access keys: the app authenticates with its managed identity.
    disableLocalAuth: true
    disableAadAuth: false
    publicNetworkAccess: 'Enabled'
    tls: {
      clientCertEnabled: false
    }
  }
}

resource appServerAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(signalR.id, appIdentityId, appServerRole.id)
  scope: signalR
  properties: {
    roleDefinitionId: appServerRole.id
    principalId: appIdentityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: signalR
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        category: 'AllLogs'
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

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

// Identity-based connection string understood by Microsoft.Azure.SignalR (AuthType=azure.msi).
resource connectionString 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: connectionStringSecretName
  properties: {
    contentType: 'text/plain; Azure SignalR connection string'
    value: 'Endpoint=https://${signalR.properties.hostName};AuthType=azure.msi;ClientId=${appIdentityClientId};Version=1.0;'
  }
}

@description('Host name of the SignalR Service.')
output hostName string = signalR.properties.hostName

@description('Versionless Key Vault URI of the connection string (for a Key Vault reference).')
output connectionStringUri string = connectionString.properties.secretUri

@description('Resource id of the role assignment; the web app waits for it.')
output appServerRoleAssignmentId string = appServerAssignment.id
