// The certificate that encrypts the app's ASP.NET Core Data Protection keys at rest (they live in the
// database). Key Vault certificates are not ARM resources, so a deployment script creates it once, with
// Key Vault's default policy (self-signed, RSA, exportable, renewed automatically before it expires),
// under an identity of its own that may manage certificates; the app's identity may only read them
// ("Key Vault Certificate User" here; the private key comes from the certificate's secret, which the
// "Key Vault Secrets User" role of modules/keyVault.bicep already covers). The app loads every enabled
// version at start, so keys protected before a renewal stay readable.

@description('Azure region for the resources.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the existing Key Vault.')
param keyVaultName string

@description('Name of the certificate in Key Vault.')
param certificateName string

@description('Name of the identity the deployment script runs as.')
param scriptIdentityName string

@description('Principal (object) id of the app\'s managed identity, which reads the certificate.')
param readerPrincipalId string

@description('Resource id of the app\'s managed identity (seeds the role assignment name).')
param readerIdentityId string

@description('Changes on every deployment so the script runs again; it does nothing when the certificate exists.')
param runTag string = utcNow()

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

// Built-in role "Key Vault Certificates Officer": create and manage certificates.
resource certificatesOfficerRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: 'a4417e6f-fecd-4de8-b567-7b0420556985'
}

// Built-in role "Key Vault Certificate User": read certificates (not their private keys).
resource certificateUserRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: 'db79e9a7-68ee-4b58-9aeb-b90e7c24fcba'
}

resource scriptIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: scriptIdentityName
  location: location
  tags: tags
}

resource officerAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, scriptIdentity.id, certificatesOfficerRole.id)
  scope: vault
  properties: {
    roleDefinitionId: certificatesOfficerRole.id
    principalId: scriptIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource readerAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, readerIdentityId, certificateUserRole.id)
  scope: vault
  properties: {
    roleDefinitionId: certificateUserRole.id
    principalId: readerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource createCertificate 'Microsoft.Resources/deploymentScripts@2023-08-01' = {
  name: 'create-${certificateName}'
  location: location
  tags: tags
  kind: 'AzureCLI'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${scriptIdentity.id}': {}
    }
  }
  properties: {
    azCliVersion: '2.67.0'
    forceUpdateTag: runTag
    retentionInterval: 'PT1H'
    cleanupPreference: 'OnSuccess'
    timeout: 'PT15M'
    environmentVariables: [
      { name: 'VAULT', value: vault.name }
      { name: 'CERTIFICATE', value: certificateName }
    ]
    // Role assignments take a while to reach Key Vault: retry for a few minutes before giving up.
    scriptContent: '''
      set -e
      if az keyvault certificate show --vault-name "$VAULT" -n "$CERTIFICATE" > /dev/null 2>&1; then exit 0; fi
      for attempt in 1 2 3 4 5 6 7 8 9 10; do
        if az keyvault certificate create --vault-name "$VAULT" -n "$CERTIFICATE" -p "$(az keyvault certificate get-default-policy)" > /dev/null; then exit 0; fi
        sleep 30
      done
      exit 1
    '''
  }
  dependsOn: [
    officerAssignment
  ]
}

@description('Name of the certificate.')
output certificateName string = certificateName

@description('Resource id of the app\'s read access; the web app waits for it.')
output readerRoleAssignmentId string = readerAssignment.id

@description('Name of the deployment script (it has run when this output exists).')
output scriptName string = createCertificate.name
