namespace BatchAI.Emulator.Tests;

public class EmulatorOptionsTests
{
    [Theory]
    [InlineData(null, 3)]
    [InlineData("0.5", 0.5)]
    [InlineData("0", 0)]
    [InlineData("-1", 3)]
    [InlineData("soon", 3)]
    public void TheEnvironmentSetsTheProcessingTime(string? value, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), EmulatorOptions.ProcessingTimeFrom(name => name == EmulatorOptions.ProcessingVariable ? value : null));
}
