// Grants AcrPull on an existing Azure Container Registry (deployed at the registry's resource group).

@description('Name of the existing container registry.')
param registryName string

@description('Resource id of the identity that pulls images (seeds the role assignment name).')
param identityId string

@description('Principal id of that identity.')
param principalId string

// Built-in role "AcrPull".
resource acrPullRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: '7f951dda-4ed3-4680-a7ca-43fe172d538d'
}

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {
  name: registryName
}

resource pullAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, identityId, acrPullRole.id)
  scope: registry
  properties: {
    roleDefinitionId: acrPullRole.id
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

@description('Login server of the registry, e.g. the host part of an image reference.')
output loginServer string = registry.properties.loginServer
