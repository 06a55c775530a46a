using System.Runtime.InteropServices;
using System.Security;

namespace FrostGuard.Hosting;

/// <summary>A SecureString's characters, for exactly as long as a callback needs them, then zeroed.</summary>
internal static class SecureStrings
{
    public static T Use<T>(SecureString secret, Func<char[], T> use)
    {
        var characters = new char[secret.Length];
        var pointer = Marshal.SecureStringToGlobalAllocUnicode(secret);
        try
        {
            Marshal.Copy(pointer, characters, 0, characters.Length);
            return use(characters);
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(pointer);
            Array.Clear(characters);
        }
    }
}
