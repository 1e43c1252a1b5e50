function New-EntraSnapshotErrorRecord {
    <#
    .SYNOPSIS
    Builds an error record with an EntraSnapshot error id, a category and a target.
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.ErrorRecord])]
    param(
        [Parameter(Mandatory)]
        [string]
        $Message,

        [Parameter(Mandatory)]
        [string]
        $ErrorId,

        [Parameter(Mandatory)]
        [System.Management.Automation.ErrorCategory]
        $Category,

        [AllowNull()]
        [object]
        $TargetObject,

        [type]
        $ExceptionType = [System.InvalidOperationException]
    )

    $exception = $ExceptionType::new($Message)
    [System.Management.Automation.ErrorRecord]::new($exception, $ErrorId, $Category, $TargetObject)
}
