// Azure SQL logical server (Entra ID authentication only), the Portal database, the firewall rule
// that lets Azure services in, and the passwordless connection string stored in Key Vault.

import { sqlAdministrator } from 'types.bicep'

@description('Azure region for the resources.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the SQL logical server (lowercase, globally unique).')
@maxLength(63)
param serverName string

@description('Name of the database.')
param databaseName string

@description('SKU of the database.')
param databaseSku resourceInput<'Microsoft.Sql/servers/databases@2023-08-01'>.sku

@description('Spread the database replicas across availability zones (vCore General Purpose and above, Premium, Business Critical).')
param zoneRedundant bool

@description('Entra ID administrator of the server.')
param administrator sqlAdministrator

@description('Client id of the user-assigned managed identity the web app connects with.')
param appIdentityClientId string

@description('Name of the existing Key Vault that receives the connection string.')
param keyVaultName string

@description('Name of the Key Vault secret that holds the connection string.')
param connectionStringSecretName string

@description('Resource id of the Log Analytics workspace for the database diagnostics.')
param logAnalyticsWorkspaceId string

resource server 'Microsoft.Sql/servers@2023-08-01' = {
  name: serverName
  location: location
  tags: tags
  properties: {
    version: '12.0'
    minimalTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
    administrators: {
      administratorType: 'ActiveDirectory'
      azureADOnlyAuthentication: true
      login: administrator.login
      sid: administrator.sid
      principalType: administrator.principalType
      tenantId: subscription().tenantId
    }
  }
}

// 0.0.0.0 - 0.0.0.0 is the documented "Allow Azure services and resources to access this server" rule.
resource allowAzureServices 'Microsoft.Sql/servers/firewallRules@2023-08-01' = {
  parent: server
  name: 'AllowAllWindowsAzureIps'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

resource database 'Microsoft.Sql/servers/databases@2023-08-01' = {
  parent: server
  name: databaseName
  location: location
  tags: tags
  sku: databaseSku
  properties: {
    collation: 'SQL_Latin1_General_CP1_CI_AS'
    zoneRedundant: zoneRedundant
    requestedBackupStorageRedundancy: zoneRedundant ? 'Zone' : 'Geo'
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: database
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        category: 'Errors'
        enabled: true
      }
      {
        category: 'Timeouts'
        enabled: true
      }
      {
        category: 'Blocks'
        enabled: true
      }
      {
        category: 'Deadlocks'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'Basic'
        enabled: true
      }
    ]
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

// Passwordless: Microsoft.Data.SqlClient gets a token for the user-assigned identity. Nothing in it
// is a credential; it lives in Key Vault so that operators can repoint the app without a redeploy.
resource connectionString 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: connectionStringSecretName
  properties: {
    contentType: 'text/plain; SqlClient connection string'
    value: 'Server=tcp:${server.properties.fullyQualifiedDomainName},1433;Database=${database.name};Authentication=Active Directory Managed Identity;User Id=${appIdentityClientId};Encrypt=True;TrustServerCertificate=False;Connect Timeout=30;'
  }
}

@description('Fully qualified domain name of the SQL server.')
output serverFqdn string = server.properties.fullyQualifiedDomainName

@description('Name of the database.')
output databaseName string = database.name

@description('Versionless Key Vault URI of the connection string (for a Key Vault reference).')
output connectionStringUri string = connectionString.properties.secretUri
