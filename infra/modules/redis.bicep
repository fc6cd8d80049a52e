// Optional Azure Cache for Redis, used as the SignalR Redis backplane (SignalR__Redis). Its
// StackExchange.Redis connection string carries the access key and is written straight to Key Vault.

@description('Azure region for the resources.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the cache (globally unique).')
param name string

@description('SKU of the cache.')
param sku resourceInput<'Microsoft.Cache/redis@2024-11-01'>.properties.sku

@description('Name of the existing Key Vault that receives the connection string.')
param keyVaultName string

@description('Name of the Key Vault secret that holds the connection string.')
param connectionStringSecretName string

resource redis 'Microsoft.Cache/redis@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    sku: sku
    enableNonSslPort: false
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
    redisVersion: '6'
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource connectionString 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: connectionStringSecretName
  properties: {
    contentType: 'text/plain; StackExchange.Redis configuration string'
    value: '${redis.properties.hostName}:${redis.properties.sslPort},password=${redis.listKeys().primaryKey},ssl=True,abortConnect=False'
  }
}

@description('Versionless Key Vault URI of the connection string (for a Key Vault reference).')
output connectionStringUri string = connectionString.properties.secretUri
