function ConvertTo-EntraSnapshotRestoreStep {
    <#
    .SYNOPSIS
    Turns one step of a restore plan, and its outcome when it ran, into an EntraSnapshot.RestoreStep object.

    .DESCRIPTION
    A plan step is one Graph write (seq, kind, objectType, objectId,
    objectName, summary, dependsOn, request). The outcome the executor
    journaled for it (done, already, failed, skipped, and the error) is
    merged in, so $result.Steps | Where-Object Status -eq Failed finds what
    went wrong. A step of a plan that did not run has no Status.
    #>
    [CmdletBinding()]
    [OutputType('EntraSnapshot.RestoreStep')]
    param(
        [Parameter(Mandatory)]
        [object]
        $InputObject,

        [AllowNull()]
        [object]
        $Outcome
    )

    $request = $InputObject.request
    $method = $null
    $path = $null
    $body = $null
    if ($null -ne $request) {
        $method = [string]$request.method
        $path = [string]$request.path
        if (-not [string]::IsNullOrEmpty([string]$request.version)) {
            $path = "$($request.version)/$path"
        }
        $body = $request.body
    }
    $status = $null
    $stepError = $null
    if ($null -ne $Outcome) {
        $status = ConvertTo-EntraSnapshotEnumName -Value $Outcome.status
        $stepError = $Outcome.error
    }

    [pscustomobject]@{
        PSTypeName = 'EntraSnapshot.RestoreStep'
        Seq        = [int]$InputObject.seq
        Kind       = ConvertTo-EntraSnapshotEnumName -Value $InputObject.kind
        ObjectType = [string]$InputObject.objectType
        ObjectName = [string]$InputObject.objectName
        ObjectId   = [string]$InputObject.objectId
        Summary    = [string]$InputObject.summary
        DependsOn  = [int[]]@($InputObject.dependsOn | Where-Object { $null -ne $_ })
        Method     = $method
        Path       = $path
        Body       = $body
        Status     = $status
        Error      = $stepError
    }
}
