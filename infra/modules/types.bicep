// Types shared by main.bicep and the modules.

@export()
@description('An Entra ID principal that administers the Azure SQL logical server.')
type sqlAdministrator = {
  @description('Display name of the principal (user principal name, group or identity name).')
  login: string

  @description('Object id of the user or group; principal id of a managed identity.')
  sid: string

  @description('Kind of principal.')
  principalType: 'User' | 'Group' | 'Application'
}
