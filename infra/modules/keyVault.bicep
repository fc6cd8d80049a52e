// Key Vault (Azure RBAC authorisation) holding the connection strings the web app reads through
// Key Vault references, and the "Key Vault Secrets User" role for the app's managed identity.

@description('Azure region for the resources.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the Key Vault (3-24 characters, globally unique).')
@minLength(3)
@maxLength(24)
param keyVaultName string

@description('Resource id of the managed identity that reads the secrets (seeds the role assignment name).')
param readerIdentityId string

@description('Principal (object) id of that managed identity.')
param readerPrincipalId string

@description('Turn on purge protection. It cannot be turned off again once on.')
param enablePurgeProtection bool

@description('Resource id of the Log Analytics workspace for the audit logs.')
param logAnalyticsWorkspaceId string

// Built-in role "Key Vault Secrets User": read secret contents.
resource secretsUserRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: '4633458b-17de-408a-b874-0445c86b69e6'
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // The API refuses an explicit false once purge protection is on: leave it unset instead.
    enablePurgeProtection: enablePurgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource secretsUserAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, readerIdentityId, secretsUserRole.id)
  scope: vault
  properties: {
    roleDefinitionId: secretsUserRole.id
    principalId: readerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: vault
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        category: 'AuditEvent'
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

@description('Name of the Key Vault.')
output name string = vault.name

@description('URI of the Key Vault (https://<name>.vault.azure.net/).')
output uri string = vault.properties.vaultUri

@description('Resource id of the role assignment; modules that must wait for it depend on this output.')
output readerRoleAssignmentId string = secretsUserAssignment.id
