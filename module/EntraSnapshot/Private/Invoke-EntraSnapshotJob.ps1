function Invoke-EntraSnapshotJob {
    <#
    .SYNOPSIS
    Runs one engine operation as a native job and returns its result value.

    .DESCRIPTION
    Starts the job, polls it, turns its progress events into Write-Progress,
    and returns the value of a successful result. A failed job becomes a
    terminating error whose ErrorId is the engine's code (for example
    EntraSnapshot.Cancelled). Ctrl+C stops the pipeline; the finally block
    then cancels the job and frees it, which waits for the engine to stop.
    #>
    [CmdletBinding()]
    [OutputType([object])]
    param(
        [Parameter(Mandatory)]
        [string]
        $Operation,

        [hashtable]
        $Parameters = @{},

        [AllowNull()]
        [object]
        $TargetObject,

        # When the engine asks for a new token (the request's tokenRefresh),
        # take it from the Connect-MgGraph session for this Graph.
        [switch]
        $TokenFromSession,

        [AllowNull()]
        [AllowEmptyString()]
        [string]
        $GraphUrl,

        # Where the records of the result's page events go: page name (a
        # compare's changes; a restore's steps, outcomes and residue) -> a
        # List[object]. A request with pageSize sends its large lists as
        # pages before the result, each a bounded string to parse, instead
        # of inside one result string.
        [AllowNull()]
        [hashtable]
        $Pages
    )

    $native = $script:EntraSnapshotNative.Type
    if ($null -eq $TargetObject) {
        $TargetObject = $Operation
    }

    $request = @{
        op = $Operation
    }
    foreach ($key in $Parameters.Keys) {
        $request[$key] = $Parameters[$key]
    }
    $requestJson = ConvertTo-Json -InputObject $request -Depth 20 -Compress

    $job = [IntPtr]::Zero
    $finished = $false
    $activity = "EntraSnapshot: $Operation"
    try {
        # The request may carry a token: its copy is zeroed once the engine has read it.
        $requestCopy = New-EntraSnapshotNativeString -Text $requestJson
        try {
            $code = $native::entrasnap_job_start($requestCopy.Pointer, [ref]$job)
        }
        finally {
            Remove-EntraSnapshotNativeString -Copy $requestCopy
        }
        if ($code -ne 0) {
            $message = "The engine refused the '$Operation' request: $(Get-EntraSnapshotResultText -Code $code) (entrasnap_job_start returned $code)."
            $PSCmdlet.ThrowTerminatingError((New-EntraSnapshotErrorRecord -Message $message -ErrorId 'EntraSnapshot.NativeCallFailed' -Category InvalidArgument -TargetObject $TargetObject))
        }

        while (-not $finished) {
            # A short wait keeps Ctrl+C responsive: PowerShell stops the
            # pipeline only between statements.
            $events = [IntPtr]::Zero
            $code = $native::entrasnap_job_poll($job, 250, [ref]$events)
            if ($code -ne 0) {
                $message = "Polling the '$Operation' job failed: $(Get-EntraSnapshotResultText -Code $code) (entrasnap_job_poll returned $code)."
                $PSCmdlet.ThrowTerminatingError((New-EntraSnapshotErrorRecord -Message $message -ErrorId 'EntraSnapshot.NativeCallFailed' -Category NotSpecified -TargetObject $TargetObject))
            }
            $eventsJson = ConvertFrom-EntraSnapshotNativeString -Pointer $events -Free
            # Windows PowerShell 5.1 writes a JSON array as one object and 7.x
            # writes '[]' as nothing: foreach over the value itself sees the
            # events one by one on both.
            $jobEvents = ConvertFrom-Json -InputObject $eventsJson
            foreach ($jobEvent in $jobEvents) {
                if ($null -eq $jobEvent) {
                    continue
                }
                switch ([string]$jobEvent.kind) {
                    'progress' {
                        $progress = @{
                            Activity = [string]$jobEvent.activity
                            Status   = [string]$jobEvent.status
                        }
                        if ([string]::IsNullOrEmpty($progress.Activity)) {
                            $progress.Activity = $activity
                        }
                        if ([string]::IsNullOrEmpty($progress.Status)) {
                            $progress.Status = 'Working'
                        }
                        if ($null -ne $jobEvent.percent) {
                            $progress.PercentComplete = [int]$jobEvent.percent
                        }
                        $activity = $progress.Activity
                        Write-Progress @progress
                    }
                    'tokenRequest' {
                        # Graph refused the caller's token (a Connect-MgGraph
                        # token lives about an hour): only PowerShell can get a
                        # new one, so the engine waits for it here.
                        $fresh = $null
                        if ($TokenFromSession) {
                            $fresh = Get-EntraSnapshotGraphSessionToken -GraphUrl $GraphUrl
                        }
                        if ([string]::IsNullOrEmpty($fresh)) {
                            # The finally block cancels the job: nothing waits for a token that won't come.
                            $message = "Microsoft Graph refused the token of the Connect-MgGraph session during '$Operation', and the session gave no new one. Run Connect-MgGraph again, or sign in with -AccessToken or -ManagedIdentity."
                            $PSCmdlet.ThrowTerminatingError((New-EntraSnapshotErrorRecord -Message $message -ErrorId 'EntraSnapshot.AuthError' -Category AuthenticationError -TargetObject $TargetObject -ExceptionType ([System.UnauthorizedAccessException])))
                        }
                        Write-Verbose 'The engine asked for a new token: handing over a fresh one from the Connect-MgGraph session.'
                        $tokenCopy = New-EntraSnapshotNativeString -Text $fresh
                        $fresh = $null
                        try {
                            $code = $native::entrasnap_job_provide_token($job, $tokenCopy.Pointer)
                        }
                        finally {
                            Remove-EntraSnapshotNativeString -Copy $tokenCopy
                        }
                        if ($code -ne 0) {
                            $message = "Handing a new token to the '$Operation' job failed: $(Get-EntraSnapshotResultText -Code $code) (entrasnap_job_provide_token returned $code)."
                            $PSCmdlet.ThrowTerminatingError((New-EntraSnapshotErrorRecord -Message $message -ErrorId 'EntraSnapshot.NativeCallFailed' -Category NotSpecified -TargetObject $TargetObject))
                        }
                    }
                    'page' {
                        $name = [string]$jobEvent.name
                        if ($null -eq $Pages -or -not $Pages.ContainsKey($name)) {
                            Write-Verbose "Ignoring a page of '$name': this call asked for no such pages."
                            continue
                        }
                        $list = $Pages[$name]
                        foreach ($item in $jobEvent.items) {
                            $list.Add($item)
                        }
                    }
                    { $_ -in 'done', 'failed', 'cancelled' } {
                        $finished = $true
                    }
                    default {
                        # A newer engine may send events this module does not know.
                        Write-Verbose "Ignoring an engine event of kind '$($jobEvent.kind)'."
                    }
                }
            }
        }

        $outcome = [IntPtr]::Zero
        $code = $native::entrasnap_job_result($job, [ref]$outcome)
        if ($code -ne 0) {
            $message = "Reading the result of the '$Operation' job failed: $(Get-EntraSnapshotResultText -Code $code) (entrasnap_job_result returned $code)."
            $PSCmdlet.ThrowTerminatingError((New-EntraSnapshotErrorRecord -Message $message -ErrorId 'EntraSnapshot.NativeCallFailed' -Category NotSpecified -TargetObject $TargetObject))
        }
        $resultJson = ConvertFrom-EntraSnapshotNativeString -Pointer $outcome -Free
    }
    finally {
        if ($job -ne [IntPtr]::Zero) {
            if (-not $finished) {
                $null = $native::entrasnap_job_cancel($job)
            }
            $native::entrasnap_job_free($job)
        }
        Write-Progress -Activity $activity -Completed
    }

    $result = ConvertFrom-Json -InputObject $resultJson
    if ($result.ok) {
        return $result.value
    }

    $engineError = $result.error
    switch ($engineError.code) {
        'EntraSnapshot.Cancelled' {
            $category = [System.Management.Automation.ErrorCategory]::OperationStopped
            $exceptionType = [System.OperationCanceledException]
        }
        'EntraSnapshot.InvalidArgument' {
            $category = [System.Management.Automation.ErrorCategory]::InvalidArgument
            $exceptionType = [System.ArgumentException]
        }
        'EntraSnapshot.AuthError' {
            $category = [System.Management.Automation.ErrorCategory]::AuthenticationError
            $exceptionType = [System.UnauthorizedAccessException]
        }
        'EntraSnapshot.PermissionDenied' {
            $category = [System.Management.Automation.ErrorCategory]::PermissionDenied
            $exceptionType = [System.UnauthorizedAccessException]
        }
        'EntraSnapshot.BreakGlassGuard' {
            # The plan would lock out a break-glass account; nothing was written.
            $category = [System.Management.Automation.ErrorCategory]::SecurityError
            $exceptionType = [System.InvalidOperationException]
        }
        'EntraSnapshot.GraphError' {
            $category = [System.Management.Automation.ErrorCategory]::ConnectionError
            $exceptionType = [System.InvalidOperationException]
        }
        'EntraSnapshot.StoreError' {
            $category = [System.Management.Automation.ErrorCategory]::ResourceUnavailable
            $exceptionType = [System.IO.IOException]
        }
        'EntraSnapshot.UnknownOperation' {
            $category = [System.Management.Automation.ErrorCategory]::NotImplemented
            $exceptionType = [System.NotSupportedException]
        }
        default {
            $category = [System.Management.Automation.ErrorCategory]::NotSpecified
            $exceptionType = [System.InvalidOperationException]
        }
    }
    $PSCmdlet.ThrowTerminatingError((New-EntraSnapshotErrorRecord -Message ([string]$engineError.message) -ErrorId ([string]$engineError.code) -Category $category -TargetObject $TargetObject -ExceptionType $exceptionType))
}
