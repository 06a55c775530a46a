@{
    RootModule           = 'EmptyModule.dll'
    ModuleVersion        = '1.0.0'
    GUID                 = '6d0b1f55-2a3c-4d7e-9a51-6f7f0d9c2b11'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('EmptyModule.format.ps1xml')
    CmdletsToExport      = @('Get-Empty')
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
}
