using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;

namespace BatchAI.Infrastructure;

/// <summary>
/// Runs when the module is imported: from then on the engine and every third-party assembly it uses load from the
/// module's own Dependencies folder, so another module's CsvHelper, Polly or Microsoft.Extensions of another version
/// cannot clash with ours. On PowerShell 7 they load into a private AssemblyLoadContext (true isolation: both
/// versions live side by side); on Windows PowerShell 5.1, which has no such thing, a resolver supplies ours when
/// .NET cannot find an assembly, which works unless another module loaded a different version first.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    public void OnImport() => DependencyIsolation.Install();

    public void OnRemove(PSModuleInfo psModuleInfo) => DependencyIsolation.Uninstall();
}

/// <summary>Where the module's dependencies are, and which front (private context or resolver) serves them.</summary>
internal static class DependencyIsolation
{
    public const string FolderName = "Dependencies";

    private static readonly object Gate = new();
    private static bool _installed;

    public static string Folder { get; } = Path.Combine(Path.GetDirectoryName(typeof(DependencyIsolation).Assembly.Location) ?? ".", FolderName);

    /// <summary>.NET (PowerShell 7) rather than .NET Framework (Windows PowerShell 5.1).</summary>
    public static bool OnDotNetCore { get; } = !RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal);

    public static void Install()
    {
        lock (Gate)
        {
            if (_installed)
            {
                return;
            }

            // Each front lives in its own class: System.Runtime.Loader must never be touched on .NET Framework.
            if (OnDotNetCore)
            {
                PrivateLoadContext.Install(Folder);
            }
            else
            {
                FrameworkResolver.Install(Folder);
            }

            _installed = true;
        }
    }

    public static void Uninstall()
    {
        lock (Gate)
        {
            if (!_installed)
            {
                return;
            }

            if (OnDotNetCore)
            {
                PrivateLoadContext.Uninstall();
            }
            else
            {
                FrameworkResolver.Uninstall();
            }

            _installed = false;
        }
    }
}

/// <summary>The rules both fronts follow, kept apart from the loading so they can be tested anywhere.</summary>
internal static class DependencyRules
{
    /// <summary>The assemblies a lookup that failed in PowerShell's own context is answered with: ours, and no one else's.</summary>
    public static bool IsModuleAssembly(AssemblyName name) =>
        name.Name is { } simple && simple.StartsWith("BatchAI.", StringComparison.Ordinal);

    /// <summary>
    /// Whether the runtime's own copy serves a request: it does when the runtime has the assembly (System.Text.Json,
    /// System.Memory on .NET) at the version asked for or later. Loading our netstandard copy of a runtime assembly
    /// beside the runtime's would split its types in two (a Span that is not the runtime's Span).
    /// </summary>
    public static bool RuntimeServes(AssemblyName requested, Version? runtimeVersion) =>
        runtimeVersion is not null && runtimeVersion >= (requested.Version ?? new Version(0, 0));

    /// <summary>On .NET Framework: whether our copy may answer a request that .NET could not satisfy (never an older version).</summary>
    public static bool ShippedServes(AssemblyName requested, Version? shippedVersion) =>
        shippedVersion is not null && shippedVersion >= (requested.Version ?? new Version(0, 0));

    /// <summary>The path of a shipped assembly, or null when the Dependencies folder has none of that name.</summary>
    public static string? Shipped(string folder, AssemblyName name)
    {
        if (string.IsNullOrEmpty(name.Name) || name.Name!.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
        {
            return null;
        }

        var path = Path.Combine(folder, name.Name + ".dll");
        return File.Exists(path) ? path : null;
    }

    public static Version? VersionOf(string? path) => path is null ? null : AssemblyName.GetAssemblyName(path).Version;
}

/// <summary>Windows PowerShell 5.1: supplies our assemblies when .NET Framework cannot find them.</summary>
internal static class FrameworkResolver
{
    private static string _folder = string.Empty;

    public static void Install(string folder)
    {
        _folder = folder;
        AppDomain.CurrentDomain.AssemblyResolve += Resolve;
    }

    public static void Uninstall() => AppDomain.CurrentDomain.AssemblyResolve -= Resolve;

    private static Assembly? Resolve(object? sender, ResolveEventArgs args)
    {
        var requested = new AssemblyName(args.Name);
        var path = DependencyRules.Shipped(_folder, requested);
        return DependencyRules.ShippedServes(requested, DependencyRules.VersionOf(path)) ? Assembly.LoadFrom(path!) : null;
    }
}
