using System.Management.Automation;
using BatchAI.Infrastructure;

namespace BatchAI.Cmdlets.Tests;

/// <summary>
/// Error categories follow the cause, as ARCHITECTURE.md lists them. This calls plain static code; the PowerShell
/// stub assembly here cannot run a cmdlet, but its enums are real.
/// </summary>
public class ErrorRecordTests
{
    [Theory]
    [InlineData(ErrorKind.InvalidInput, ErrorCategory.InvalidData)]
    [InlineData(ErrorKind.Authentication, ErrorCategory.AuthenticationError)]
    [InlineData(ErrorKind.Permission, ErrorCategory.PermissionDenied)]
    [InlineData(ErrorKind.NotFound, ErrorCategory.ObjectNotFound)]
    [InlineData(ErrorKind.RateLimited, ErrorCategory.LimitsExceeded)]
    [InlineData(ErrorKind.Unavailable, ErrorCategory.ResourceUnavailable)]
    [InlineData(ErrorKind.Conflict, ErrorCategory.InvalidOperation)]
    [InlineData(ErrorKind.Protocol, ErrorCategory.ProtocolError)]
    [InlineData(ErrorKind.Hook, ErrorCategory.InvalidResult)]
    public void CategoriesFollowTheCause(ErrorKind kind, ErrorCategory category) => Assert.Equal(category, ErrorRecords.CategoryFor(kind));

    [Fact]
    public void EveryKindHasASpecificCategory() =>
        Assert.All(Enum.GetValues<ErrorKind>(), k => Assert.NotEqual(ErrorCategory.NotSpecified, ErrorRecords.CategoryFor(k)));
}
