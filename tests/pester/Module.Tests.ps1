BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $manifestPath = Get-ModuleManifestPath
}

Describe 'The module manifest' {
    It 'passes Test-ModuleManifest' {
        { Test-ModuleManifest -Path $manifestPath -ErrorAction Stop } | Should -Not -Throw
    }

    It 'requires PowerShell 7.4 and the Core edition only' {
        $manifest = Import-PowerShellDataFile $manifestPath
        $manifest.PowerShellVersion | Should -Be '7.4'
        $manifest.CompatiblePSEditions | Should -Be @('Core')
    }

    It 'exports cmdlets by explicit list, and the list matches every cmdlet in the assembly' {
        $manifest = Import-PowerShellDataFile $manifestPath
        $manifest.CmdletsToExport | Should -Not -Contain '*'
        $assembly = [Reflection.AssemblyName]::GetAssemblyName((Join-Path (Get-RepoRoot) 'bin/FrostGuard.dll'))
        $result = Invoke-FreshPwsh @"
Import-Module '$manifestPath'
`$types = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq '$($assembly.Name)' } |
    ForEach-Object { `$_.GetExportedTypes() } |
    ForEach-Object { `$_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], `$false) } |
    ForEach-Object { "`$(`$_.VerbName)-`$(`$_.NounName)" }
@{ Exported = @((Get-Module FrostGuard).ExportedCmdlets.Keys | Sort-Object); Implemented = @(`$types | Sort-Object) } | ConvertTo-Json
"@
        $result.Exported | Should -Be ($manifest.CmdletsToExport | Sort-Object)
        $result.Implemented | Should -Be ($manifest.CmdletsToExport | Sort-Object)
    }
}

Describe 'Importing the module' {
    It 'works from a checkout and loads no engine or third-party assembly until first use' {
        $result = Invoke-FreshPwsh @"
Import-Module '$manifestPath'
`$names = [AppDomain]::CurrentDomain.GetAssemblies().GetName().Name
@{ Imported = [bool](Get-Module FrostGuard); Engine = `$names -contains 'FrostGuard.Engine'; Npgsql = `$names -contains 'Npgsql'; Docker = `$names -contains 'Docker.DotNet' } | ConvertTo-Json
"@
        $result.Imported | Should -BeTrue
        $result.Engine | Should -BeFalse
        $result.Npgsql | Should -BeFalse
        $result.Docker | Should -BeFalse
    }

    It 'can be removed and imported again in one session' {
        $result = Invoke-FreshPwsh @"
Import-Module '$manifestPath'
`$first = (Get-FrostDeployment).Project
Remove-Module FrostGuard
Import-Module '$manifestPath'
@{ First = `$first; Second = (Get-FrostDeployment).Project } | ConvertTo-Json
"@
        $result.First | Should -Be (Get-SandboxConfig).project.name
        $result.Second | Should -Be (Get-SandboxConfig).project.name
    }
}

Describe 'The package' {
    BeforeAll {
        $version = (Import-PowerShellDataFile $manifestPath).ModuleVersion
        $packageFolder = Join-Path (Get-RepoRoot) "out/FrostGuard/$version"
    }

    It 'lays out an installable module folder that imports and works' {
        Test-Path (Join-Path $packageFolder 'FrostGuard.psd1') | Should -BeTrue
        $result = Invoke-FreshPwsh @"
`$env:PSModulePath = '$(Join-Path (Get-RepoRoot) 'out')' + [IO.Path]::PathSeparator + `$env:PSModulePath
Import-Module FrostGuard
@{ Path = (Get-Module FrostGuard).ModuleBase; Services = @(Get-FrostService).Count } | ConvertTo-Json
"@
        $result.Path | Should -Be $packageFolder
        $result.Services | Should -BeGreaterOrEqual 4
    }

    It 'has a .nupkg with the manifest, the assemblies and the format file' {
        $nupkg = Join-Path (Get-RepoRoot) "out/FrostGuard.$version.nupkg"
        Test-Path $nupkg | Should -BeTrue
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead($nupkg)
        try { $entries = $zip.Entries.FullName } finally { $zip.Dispose() }
        $entries | Should -Contain 'FrostGuard.psd1'
        $entries | Should -Contain 'FrostGuard.nuspec'
        $entries | Should -Contain 'bin/FrostGuard.dll'
        $entries | Should -Contain 'bin/dependencies/FrostGuard.Engine.dll'
        $entries | Should -Contain 'module/FrostGuard.format.ps1xml'
        $entries | Should -Not -Contain 'bin/dependencies/System.Management.Automation.dll'
    }
}
