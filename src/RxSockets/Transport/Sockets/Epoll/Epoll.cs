using System;
using System.Runtime.InteropServices;

namespace RxSockets;

/// <summary>
/// The three Linux <c>epoll</c> calls <see cref="SocketPoller"/> needs, from the C library.
/// </summary>
/// <remarks>
/// <c>struct epoll_event</c> is a 32-bit event mask followed by a 64-bit user value. On x86-64 the
/// kernel declares it packed (12 bytes); on other 64-bit architectures the value is 8-byte aligned
/// (16 bytes). The calls therefore take the records as spans of 32-bit words and
/// <see cref="Stride"/>/<see cref="DataOffset"/> say where each record's fields are, which keeps
/// this assembly free of <c>unsafe</c> code.
/// </remarks>
internal static partial class Epoll
{
    /// <summary>The runtime maps this name to the platform's C library.</summary>
    private const string Library = "libc";

    /// <summary><c>EPOLL_CLOEXEC</c>.</summary>
    public const int CloseOnExec = 0x80000;

    /// <summary><c>EPOLL_CTL_ADD</c>.</summary>
    public const int Add = 1;

    /// <summary><c>EPOLLIN</c>: readable.</summary>
    public const uint In = 0x001;

    /// <summary><c>EPOLLOUT</c>: writable.</summary>
    public const uint Out = 0x004;

    /// <summary><c>EPOLLERR</c>: an error is pending.</summary>
    public const uint Error = 0x008;

    /// <summary><c>EPOLLHUP</c>: both directions are shut.</summary>
    public const uint HangUp = 0x010;

    /// <summary><c>EPOLLRDHUP</c>: the peer shut its sending side.</summary>
    public const uint ReadHangUp = 0x2000;

    /// <summary><c>EPOLLET</c>: report changes (edges), not levels.</summary>
    public const uint EdgeTriggered = 0x80000000;

    /// <summary><c>EINTR</c>: a signal interrupted the call.</summary>
    public const int Interrupted = 4;

    /// <summary>Words (32-bit) per <c>epoll_event</c>: 3 where the kernel packs it (x86-64), else 4.</summary>
    public static readonly int Stride = RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86 ? 3 : 4;

    /// <summary>The word at which an <c>epoll_event</c>'s 64-bit user value starts.</summary>
    public static readonly int DataOffset = Stride - 2;

    /// <summary>Whether this platform has <c>epoll</c> with the layouts above (Linux on a 64-bit or x86 processor).</summary>
    public static bool IsPlatformSupported =>
        OperatingSystem.IsLinux()
        && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64 or Architecture.X86
            or Architecture.LoongArch64 or Architecture.RiscV64 or Architecture.Ppc64le or Architecture.S390x;

    /// <summary>Writes one <c>epoll_event</c> record into <paramref name="record"/>.</summary>
    public static void Write(Span<uint> record, uint events, ulong data)
    {
        record.Clear();
        record[0] = events;
        record[DataOffset] = (uint)data;
        record[DataOffset + 1] = (uint)(data >> 32);
    }

    /// <summary>Reads record <paramref name="index"/> of an <c>epoll_wait</c> result.</summary>
    public static (uint Events, ulong Data) Read(ReadOnlySpan<uint> records, int index)
    {
        int at = index * Stride;
        return (records[at], records[at + DataOffset] | ((ulong)records[at + DataOffset + 1] << 32));
    }

    [LibraryImport(Library, EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int Create(int flags);

    [LibraryImport(Library, EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int Control(int epollFd, int operation, int fd, Span<uint> record);

    [LibraryImport(Library, EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int Wait(int epollFd, Span<uint> records, int maxRecords, int timeoutMs);
}
