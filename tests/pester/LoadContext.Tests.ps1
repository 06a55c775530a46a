# FrostGuard keeps its engine and third-party libraries in a private load context, so it works
# in a session where another module already loaded other versions of the same libraries.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $manifestPath = Get-ModuleManifestPath
    $packages = Join-Path $HOME '.nuget/packages'
    $oldMarkdig = Join-Path $packages 'markdig/0.31.0/lib/net6.0/Markdig.dll'
    $oldNpgsql = Join-Path $packages 'npgsql/8.0.5/lib/net8.0/Npgsql.dll'
}

Describe 'The private load context' {
    It 'works beside Markdig 0.31 loaded first, and both copies work' {
        Test-Path $oldMarkdig | Should -BeTrue -Because 'build.sh restores the fixture packages'
        $result = Invoke-FreshPwsh @"
# pwsh ships Markdig.Signed too, so call this copy through its own type, not a type literal.
`$sessionMarkdig = [Reflection.Assembly]::LoadFrom('$oldMarkdig').GetType('Markdig.Markdown')
`$before = `$sessionMarkdig::ToHtml('**cold**').Trim()
Import-Module '$manifestPath'
`$deployment = Get-FrostDeployment
# FrostGuard's own Markdig at work: the runbook parser.
`$runbook = Get-FrostRunbook '$(Join-Path (Get-RepoRoot) 'tests/fixtures/runbooks/failing-with-rollback.md')'
`$copies = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'Markdig' } | ForEach-Object {
    @{ Version = `$_.GetName().Version.ToString(); Context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_).Name } }
@{
    Before = `$before
    After = `$sessionMarkdig::ToHtml('**cold**').Trim()
    SessionVersion = `$sessionMarkdig.Assembly.GetName().Version.ToString()
    FrostGuardMarkdig = `$deployment.Components['Markdig']
    FrostGuardSteps = `$runbook.Steps.Count
    Copies = @(`$copies)
} | ConvertTo-Json -Depth 4
"@
        $result.Before | Should -Be '<p><strong>cold</strong></p>'
        $result.After | Should -Be '<p><strong>cold</strong></p>'
        $result.SessionVersion | Should -BeLike '0.31.*'
        $result.FrostGuardMarkdig | Should -BeLike '1.6.*'
        $result.FrostGuardSteps | Should -Be 5
        ($result.Copies | Where-Object Context -eq 'FrostGuard').Version | Should -BeLike '1.6.*'
        ($result.Copies | Where-Object Context -ne 'FrostGuard').Version | Should -BeLike '0.31.*'
    }

    It 'loads its own Npgsql into the FrostGuard context beside Npgsql 8 loaded first' {
        $result = Invoke-FreshPwsh @"
Add-Type -Path '$oldNpgsql'
`$sessionHost = [Npgsql.NpgsqlConnectionStringBuilder]::new('Host=session.example').Host
Import-Module '$manifestPath'
`$database = Get-FrostDatabase
`$copies = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'Npgsql' } | ForEach-Object {
    @{ Version = `$_.GetName().Version.ToString(); Context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_).Name } }
@{ SessionHost = `$sessionHost; ServerVersion = `$database.ServerVersion; Copies = @(`$copies) } | ConvertTo-Json -Depth 4
"@
        $result.SessionHost | Should -Be 'session.example'
        $result.ServerVersion | Should -BeLike '15.*'
        ($result.Copies | Where-Object Context -eq 'FrostGuard').Version | Should -BeLike '10.*'
        ($result.Copies | Where-Object Context -ne 'FrostGuard').Version | Should -BeLike '8.*'
    }

    It 'keeps the types users name in scripts in the default context' {
        $result = Invoke-FreshPwsh @"
Import-Module '$manifestPath'
`$service = Get-FrostService | Select-Object -First 1
@{ IsService = `$service -is [FrostGuard.FrostService]; Context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext([FrostGuard.FrostService].Assembly).Name } | ConvertTo-Json
"@
        $result.IsService | Should -BeTrue
        $result.Context | Should -Be 'Default'
    }
}
