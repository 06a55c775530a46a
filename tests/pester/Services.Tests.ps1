# Get-FrostService against the live sandbox, through the Docker Engine API.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    Wait-SandboxHealthy
}

Describe 'Get-FrostService' {
    It 'shows postgres, backend, worker and proxy running and healthy' {
        $services = Get-FrostService
        foreach ($name in 'postgres', 'backend', 'worker', 'proxy') {
            $service = $services | Where-Object Service -eq $name
            $service | Should -Not -BeNullOrEmpty -Because "the sandbox runs $name"
            $service.State | Should -Be 'running'
            $service.Health | Should -Be 'healthy'
            # One container each; its number need not be 1 (an update starts the new worker beside the old one).
            @($service).Count | Should -Be 1
            $service.Instance | Should -BeGreaterOrEqual 1
            $service.Project | Should -Be (Get-SandboxConfig).project.name
            $service.Uptime | Should -BeGreaterThan ([TimeSpan]::Zero)
            $service.Image | Should -BeLike 'frostguard-sandbox/*'
        }
    }

    It 'filters by name with wildcards and takes names from the pipeline' {
        (Get-FrostService -Name 'post*').Service | Should -Be 'postgres'
        ('worker', 'backend' | Get-FrostService).Service | Should -Be @('worker', 'backend')
    }

    It 'writes ServiceNotFound for a name the project does not have, and goes on' {
        $found = Get-FrostService -Name 'nosuch', 'worker' -ErrorVariable problems -ErrorAction SilentlyContinue
        $found.Service | Should -Be 'worker'
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'ServiceNotFound,FrostGuard.GetFrostServiceCommand'
        $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $problems[0].TargetObject | Should -Be 'nosuch'
        $problems[0].Exception.Message | Should -Match 'worker'
    }

    It 'shows a worker stopped by hand as exited, and running again once started' {
        $container = Get-SandboxContainer worker
        docker stop --time 5 $container | Out-Null
        try {
            $worker = Get-FrostService -Name worker
            $worker.State | Should -Be 'exited'
            $worker.Uptime | Should -BeNullOrEmpty
            $worker.ExitCode | Should -Not -BeNullOrEmpty
            (Get-FrostService -Name backend).State | Should -Be 'running'
        }
        finally {
            docker start $container | Out-Null
        }
        Wait-ServiceState -Service worker -State running
        Wait-SandboxHealthy
        (Get-FrostService -Name worker).Health | Should -Be 'healthy'
    }

    It 'completes -Name with the live service names' {
        $line = 'Get-FrostService -Name wo'
        $completion = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $completion.CompletionMatches.CompletionText | Should -Be @('worker')
    }
}

Describe 'Get-FrostDeployment' {
    It 'joins the configuration with what Docker reports' {
        $deployment = Get-FrostDeployment
        $deployment.Project | Should -Be (Get-SandboxConfig).project.name
        $deployment.ConfigPath | Should -Be $env:FROSTGUARD_CONFIG
        $deployment.DockerApiVersion | Should -Not -BeNullOrEmpty
        $deployment.ContainersRunning | Should -Be $deployment.ContainersTotal
        $deployment.Services | Should -Contain 'postgres'
        $deployment.StateFolder | Should -Be $env:FROSTGUARD_STATE
        Test-Path (Join-Path $deployment.Directory '.git') | Should -BeTrue -Because 'the deployment directory is its own git repository'
        $deployment.Directory | Should -Not -BeLike "$(Get-RepoRoot)*"
    }
}

Describe 'Get-FrostDatabase' {
    It 'connects with the password from the deployment .env and reports the server' {
        $database = Get-FrostDatabase
        $database.ServerVersion | Should -BeLike '15.*'
        $database.Database | Should -Be 'frostguard'
        $database.Tables | Should -Contain 'public.readings'
        $database.Tables | Should -Contain 'public.sensors'
        $database.SizeBytes | Should -BeGreaterThan 0
        $database.Connections | Should -BeGreaterThan 0
    }
}
