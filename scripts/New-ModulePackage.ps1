<#
.SYNOPSIS
Packs a laid-out module folder into a .nupkg for a PowerShell repository, with PSResourceGet
(shipped with PowerShell 7.4+) publishing to a temporary file-system repository.
#>
param(
    [Parameter(Mandatory)] [string] $ModuleFolder,
    [Parameter(Mandatory)] [string] $OutputFolder
)
$ErrorActionPreference = 'Stop'
$repositoryName = "FrostGuardBuild-$PID"
$repository = Join-Path ([IO.Path]::GetTempPath()) $repositoryName
New-Item -ItemType Directory -Path $repository -Force | Out-Null
try {
    Register-PSResourceRepository -Name $repositoryName -Uri $repository -Trusted
    Publish-PSResource -Path $ModuleFolder -Repository $repositoryName -SkipDependenciesCheck
    $package = Get-ChildItem -Path $repository -Filter '*.nupkg' | Select-Object -First 1
    if (-not $package) { throw "Publish-PSResource wrote no .nupkg to $repository" }
    Copy-Item -Path $package.FullName -Destination $OutputFolder -Force
    Write-Host "package: $(Join-Path $OutputFolder $package.Name)"
}
finally {
    Unregister-PSResourceRepository -Name $repositoryName -ErrorAction SilentlyContinue
    Remove-Item -Path $repository -Recurse -Force -ErrorAction SilentlyContinue
}
