# Shared by the benchmark scripts: summaries and verdicts in one shape.

function Get-Summary {
    param([double[]] $Values, [string] $Target, [scriptblock] $Pass)
    $sorted = $Values | Sort-Object
    $summary = [ordered]@{
        min = [math]::Round($sorted[0], 3); median = [math]::Round($sorted[[int][math]::Floor($sorted.Count / 2)], 3)
        max = [math]::Round($sorted[-1], 3); runs = $sorted.Count
    }
    if ($Target) {
        $summary.target = $Target
        $summary.pass = [bool](& $Pass $summary.median)
    }
    $summary
}

Export-ModuleMember -Function Get-Summary
