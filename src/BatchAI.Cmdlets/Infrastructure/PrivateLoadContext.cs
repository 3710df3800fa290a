using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace BatchAI.Infrastructure;

/// <summary>
/// PowerShell 7: the module's private AssemblyLoadContext. PowerShell loads the cmdlet assembly into its own context;
/// when that assembly needs the engine, which is not beside it but in Dependencies, the lookup fails there and is
/// answered from here, so the engine and everything it references load into this context, isolated from other
/// modules' copies. Only the runtime's own assemblies are shared.
/// </summary>
internal sealed class PrivateLoadContext : AssemblyLoadContext
{
    private static PrivateLoadContext? _instance;

    private readonly string _folder;
    private readonly ConcurrentDictionary<string, Version?> _runtimeVersions = new(StringComparer.OrdinalIgnoreCase);

    private PrivateLoadContext(string folder) => _folder = folder;

    public static void Install(string folder)
    {
        _instance ??= new PrivateLoadContext(folder);
        Default.Resolving += AnswerFromDependencies;
    }

    public static void Uninstall() => Default.Resolving -= AnswerFromDependencies;

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var shipped = DependencyRules.Shipped(_folder, assemblyName);
        if (shipped is null || DependencyRules.RuntimeServes(assemblyName, RuntimeVersion(assemblyName.Name!)))
        {
            return null; // the runtime's, or PowerShell's, or not ours to give
        }

        return LoadFromAssemblyPath(shipped);
    }

    private static Assembly? AnswerFromDependencies(AssemblyLoadContext context, AssemblyName name) =>
        _instance is not null && DependencyRules.IsModuleAssembly(name) && DependencyRules.Shipped(_instance._folder, name) is not null
            ? _instance.LoadFromAssemblyName(name)
            : null;

    private Version? RuntimeVersion(string name) =>
        _runtimeVersions.GetOrAdd(name, n =>
        {
            var path = Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), n + ".dll");
            return File.Exists(path) ? DependencyRules.VersionOf(path) : null;
        });
}
