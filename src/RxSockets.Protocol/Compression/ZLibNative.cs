using System;
using System.Runtime.InteropServices;

namespace RxSockets.Protocol;

/// <summary>
/// The zlib entry points of <c>System.IO.Compression.Native</c>, the native library that ships
/// with every .NET runtime and that <c>System.IO.Compression</c> and the runtime's own
/// <c>ManagedWebSocket</c> (permessage-deflate) call.
/// </summary>
/// <remarks>
/// <para>
/// Why not <c>DeflateStream</c>: permessage-deflate needs raw deflate with a chosen LZ77 window
/// (<c>server_max_window_bits</c>/<c>client_max_window_bits</c>, RFC 7692 §7.1.2), a memory
/// level, a sync flush at every message end (§7.2.1), and an inflater that can be fed a frame at
/// a time and stopped after any number of output bytes, so that the decompressed size limit is
/// enforced while inflating (§8.1 decompression bombs). <c>DeflateStream</c>/<c>ZLibStream</c>
/// fix the window at 15, hide the memory level, pull input from a <c>Stream</c> (which this
/// sans-I/O assembly does not use) and buffer internally. The runtime solves the same problem in
/// <c>System.Net.WebSockets.Compression.WebSocketInflater/Deflater</c> by calling these exports
/// through its internal <c>ZLibNative</c>; this file does the same, publicly documented nowhere,
/// so <see cref="PerMessageDeflate.IsSupported"/> probes them once and compression is simply
/// not negotiated when they are missing (a future runtime, NativeAOT without DirectPInvoke).
/// </para>
/// <para>
/// The shim keeps the real <c>z_stream</c> behind <see cref="ZStream.State"/> and copies the
/// in/out fields on every call, so a <see cref="ZStream"/> may move between calls; the buffers it
/// points to only need to stay pinned for the duration of one call.
/// </para>
/// </remarks>
internal static partial class ZLibNative
{
    /// <summary>The library name; the runtime's probing adds the platform prefix and suffix.</summary>
    private const string Library = "System.IO.Compression.Native";

    /// <summary>zlib's <c>Z_OK</c>.</summary>
    public const int Ok = 0;

    /// <summary>zlib's <c>Z_STREAM_END</c>: a block with BFINAL set ended the deflate stream.</summary>
    public const int StreamEnd = 1;

    /// <summary>zlib's <c>Z_DATA_ERROR</c>: the input is not valid deflate data.</summary>
    public const int DataError = -3;

    /// <summary>zlib's <c>Z_BUF_ERROR</c>: no progress was possible (not fatal).</summary>
    public const int BufError = -5;

    /// <summary>zlib's <c>Z_SYNC_FLUSH</c>: flush to a byte boundary, ending with 00 00 ff ff.</summary>
    public const int SyncFlush = 2;

    /// <summary>zlib's <c>Z_DEFLATED</c> method.</summary>
    public const int Deflated = 8;

    /// <summary>zlib's <c>Z_DEFAULT_STRATEGY</c>.</summary>
    public const int DefaultStrategy = 0;

    /// <summary>The shim's <c>PAL_ZStream</c> (pal_zlib.h), field for field.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct ZStream
    {
        public nint NextIn;
        public nint NextOut;
        public nint Message;
        public nint State;
        public uint AvailIn;
        public uint AvailOut;
    }

    [LibraryImport(Library, EntryPoint = "CompressionNative_DeflateInit2_")]
    internal static partial int DeflateInit2(ref ZStream stream, int level, int method, int windowBits, int memLevel, int strategy);

    [LibraryImport(Library, EntryPoint = "CompressionNative_Deflate")]
    internal static partial int Deflate(ref ZStream stream, int flush);

    [LibraryImport(Library, EntryPoint = "CompressionNative_DeflateEnd")]
    internal static partial int DeflateEnd(ref ZStream stream);

    [LibraryImport(Library, EntryPoint = "CompressionNative_InflateInit2_")]
    internal static partial int InflateInit2(ref ZStream stream, int windowBits);

    [LibraryImport(Library, EntryPoint = "CompressionNative_Inflate")]
    internal static partial int Inflate(ref ZStream stream, int flush);

    [LibraryImport(Library, EntryPoint = "CompressionNative_InflateEnd")]
    internal static partial int InflateEnd(ref ZStream stream);
}

/// <summary>
/// One zlib raw-deflate stream (compressor or decompressor) owned by a <see cref="SafeHandle"/>,
/// so native memory is released even when the engine is never disposed.
/// </summary>
/// <remarks>Not thread-safe: the engine that owns it serializes calls.</remarks>
internal sealed class ZLibStreamHandle : SafeHandle
{
    /// <summary>The shim's stream record; <see cref="ZLibNative.ZStream.State"/> is the native <c>z_stream</c>.</summary>
    private ZLibNative.ZStream _stream;

    private ZLibStreamHandle(bool inflate)
        : base(IntPtr.Zero, ownsHandle: true)
    {
        IsInflater = inflate;
    }

    /// <summary>Whether this is a decompressor.</summary>
    public bool IsInflater { get; }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>Creates a raw-deflate compressor.</summary>
    /// <exception cref="InvalidOperationException">zlib refused the parameters or is out of memory.</exception>
    public static ZLibStreamHandle CreateDeflater(int level, int windowBits, int memLevel)
    {
        var handle = new ZLibStreamHandle(inflate: false);
        int rc = ZLibNative.DeflateInit2(ref handle._stream, level, ZLibNative.Deflated, -windowBits, memLevel, ZLibNative.DefaultStrategy);
        handle.Initialized(rc, "deflateInit2");
        return handle;
    }

    /// <summary>Creates a raw-deflate decompressor.</summary>
    /// <exception cref="InvalidOperationException">zlib refused the parameters or is out of memory.</exception>
    public static ZLibStreamHandle CreateInflater(int windowBits)
    {
        var handle = new ZLibStreamHandle(inflate: true);
        int rc = ZLibNative.InflateInit2(ref handle._stream, -windowBits);
        handle.Initialized(rc, "inflateInit2");
        return handle;
    }

    /// <summary>
    /// Runs <c>deflate</c> or <c>inflate</c> once over <paramref name="input"/> into <paramref name="output"/>.
    /// </summary>
    /// <returns>The zlib return code.</returns>
    public unsafe int Run(ReadOnlySpan<byte> input, Span<byte> output, int flush, out int consumed, out int written)
    {
        fixed (byte* inPtr = input)
        fixed (byte* outPtr = output)
        {
            _stream.NextIn = (nint)inPtr;
            _stream.AvailIn = (uint)input.Length;
            _stream.NextOut = (nint)outPtr;
            _stream.AvailOut = (uint)output.Length;
            int rc = IsInflater ? ZLibNative.Inflate(ref _stream, flush) : ZLibNative.Deflate(ref _stream, flush);
            consumed = input.Length - (int)_stream.AvailIn;
            written = output.Length - (int)_stream.AvailOut;
            _stream.NextIn = 0;
            _stream.NextOut = 0;
            return rc;
        }
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle()
    {
        // deflateEnd answers Z_DATA_ERROR when the stream held unflushed data: the memory is freed anyway.
        _ = IsInflater ? ZLibNative.InflateEnd(ref _stream) : ZLibNative.DeflateEnd(ref _stream);
        return true;
    }

    private void Initialized(int rc, string function)
    {
        if (rc != ZLibNative.Ok)
        {
            throw new InvalidOperationException($"zlib {function} failed with {rc}.");
        }

        SetHandle(_stream.State);
    }
}
