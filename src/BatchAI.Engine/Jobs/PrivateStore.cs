using System.Runtime.InteropServices;
using System.Security.AccessControl;
using System.Security.Principal;

namespace BatchAI.Jobs;

/// <summary>
/// Keeps the job store readable by its owner only: the records, prompts and answers in it are the user's data.
/// On Unix, folders are 0700 and files 0600; on Windows, folders get an ACL that grants the current user alone
/// full control and does not inherit from the parent (files inside inherit it).
/// </summary>
internal static class PrivateStore
{
    private const int OwnerOnlyFolder = 0x1C0; // 0700
    private const int OwnerOnlyFile = 0x180;   // 0600

    /// <summary>Creates the folder if needed and makes it owner-only.</summary>
    public static void Folder(string path)
    {
        Directory.CreateDirectory(path);
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            var security = new DirectorySecurity();
            security.SetAccessRuleProtection(isProtected: true, preserveInheritance: false);
            using var user = WindowsIdentity.GetCurrent();
            security.SetOwner(user.User!);
            security.AddAccessRule(new FileSystemAccessRule(
                user.User!,
                FileSystemRights.FullControl,
                InheritanceFlags.ContainerInherit | InheritanceFlags.ObjectInherit,
                PropagationFlags.None,
                AccessControlType.Allow));
            new DirectoryInfo(path).SetAccessControl(security);
        }
        else
        {
            Chmod(path, OwnerOnlyFolder);
        }
    }

    /// <summary>Makes a file owner-only (on Windows it inherits its owner-only folder's ACL).</summary>
    public static void File(string path)
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            Chmod(path, OwnerOnlyFile);
        }
    }

    /// <summary>Creates a file for writing, owner-only from the start (before anything is written to it).</summary>
    public static FileStream Create(string path, FileMode mode, FileAccess access = FileAccess.Write, FileShare share = FileShare.None, int bufferSize = 1 << 16)
    {
        var stream = new FileStream(path, mode, access, share, bufferSize);
        File(path);
        return stream;
    }

    private static void Chmod(string path, int mode)
    {
        if (NativeMethods.chmod(path, mode) != 0)
        {
            var errno = Marshal.GetLastWin32Error();
            throw new BatchAIException(ErrorKind.Permission, "StorePermissionFailed", $"Could not make '{path}' readable by its owner only (chmod failed with errno {errno}).");
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
#pragma warning disable SA1300, CA2101 // the C function's own name; paths are passed as the platform's UTF-8 by the runtime
        public static extern int chmod(string path, int mode);
#pragma warning restore SA1300, CA2101
    }
}
