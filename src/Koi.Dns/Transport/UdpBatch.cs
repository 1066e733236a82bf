using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Koi.Dns.Transport;

/// <summary>
/// Linux's recvmmsg/sendmmsg for one receive thread: one system call takes in every datagram waiting (up to
/// <see cref="Capacity"/>) and one sends every reply to them. Per query, the kernel's work (routing, queueing, waking
/// the client) stays the same; the system call, the copy of the message header and the thread's trip through the
/// scheduler are shared by the batch. Buffers are pinned once and reused; nothing here allocates per datagram.
/// </summary>
internal sealed unsafe partial class UdpBatch : IDisposable
{
    /// <summary>Return after the first datagram instead of waiting for a full batch.</summary>
    private const int MsgWaitForOne = 0x10000;

    /// <summary>Return at once, with EAGAIN when nothing is waiting.</summary>
    private const int MsgDontWait = 0x40;

    /// <summary>The datagram was longer than its buffer and was cut.</summary>
    private const int MsgTrunc = 0x20;

    private const int EIntr = 4;

    /// <summary>sockaddr_in6 is 28 bytes; a slot of 32 keeps each aligned.</summary>
    private const int AddressSlot = 32;

    /// <summary>sockaddr_in, the shortest sender address.</summary>
    private const int MinAddressLength = 16;

    private readonly byte[] _queries;
    private readonly byte[] _responses;
    private readonly MMsgHdr* _receive;
    private readonly MMsgHdr* _send;
    private readonly IoVec* _receiveIov;
    private readonly IoVec* _sendIov;
    private readonly byte* _addresses;
    private readonly byte* _queryBase;
    private readonly byte* _responseBase;
    private int _queued;

    public UdpBatch(int capacity, int querySize, int responseSize)
    {
        Capacity = capacity;
        QuerySize = querySize;
        ResponseSize = responseSize;
        _queries = GC.AllocateArray<byte>(capacity * querySize, pinned: true);
        _responses = GC.AllocateArray<byte>(capacity * responseSize, pinned: true);
        _queryBase = (byte*)Marshal.UnsafeAddrOfPinnedArrayElement(_queries, 0);
        _responseBase = (byte*)Marshal.UnsafeAddrOfPinnedArrayElement(_responses, 0);
        _receive = (MMsgHdr*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(MMsgHdr)));
        _send = (MMsgHdr*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(MMsgHdr)));
        _receiveIov = (IoVec*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(IoVec)));
        _sendIov = (IoVec*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(IoVec)));
        _addresses = (byte*)NativeMemory.AllocZeroed((nuint)(capacity * AddressSlot));
        for (var i = 0; i < capacity; i++)
        {
            _receiveIov[i] = new IoVec { Base = _queryBase + (i * querySize), Length = (nuint)querySize };
            _receive[i].Header.Iov = &_receiveIov[i];
            _receive[i].Header.IovLength = 1;
            _receive[i].Header.Name = _addresses + (i * AddressSlot);
        }
    }

    /// <summary>True where this class can work: Linux, whose recvmmsg and sendmmsg it calls.</summary>
    public static bool Supported => OperatingSystem.IsLinux();

    public int Capacity { get; }

    public int QuerySize { get; }

    public int ResponseSize { get; }

    /// <summary>
    /// Takes up to <see cref="Capacity"/> waiting datagrams; with <paramref name="wait"/>, first blocks until there is
    /// one, without it fails with <see cref="SocketError.WouldBlock"/> when none is there. Returns how many, or -1 with
    /// the errno in <paramref name="error"/> (EINTR is retried here).
    /// </summary>
    public int Receive(SafeHandle socket, bool wait, out SocketError error)
    {
        _queued = 0;
        for (var i = 0; i < Capacity; i++)
        {
            _receive[i].Header.NameLength = AddressSlot;
            _receive[i].Header.Flags = 0;
            _receive[i].Length = 0;
        }

        int received;
        int errno;
        do
        {
            received = RecvMMsg(socket, _receive, (uint)Capacity, wait ? MsgWaitForOne : MsgDontWait, null);
            errno = received < 0 ? Marshal.GetLastPInvokeError() : 0;
        }
        while (received < 0 && errno == EIntr);

        error = received < 0 ? ToSocketError(errno) : SocketError.Success;
        return received;
    }

    /// <summary>Datagram <paramref name="index"/> of the last receive; false when it was longer than its buffer.</summary>
    public bool TryGetQuery(int index, out Span<byte> query)
    {
        ref var message = ref _receive[index];
        query = _queries.AsSpan(index * QuerySize, (int)message.Length);
        return (message.Header.Flags & MsgTrunc) == 0;
    }

    /// <summary>
    /// False for an entry without a sender address: no datagram but what a shutdown of the socket wakes the call with.
    /// </summary>
    public bool HasSender(int index) => _receive[index].Header.NameLength >= MinAddressLength;

    /// <summary>The sender of datagram <paramref name="index"/> as a raw sockaddr.</summary>
    public ReadOnlySpan<byte> SenderAddress(int index) =>
        new(_addresses + (index * AddressSlot), (int)_receive[index].Header.NameLength);

    /// <summary>Where the reply to datagram <paramref name="index"/> is written.</summary>
    public Memory<byte> ResponseBuffer(int index) => _responses.AsMemory(index * ResponseSize, ResponseSize);

    /// <summary>Queues the reply to datagram <paramref name="index"/>, <paramref name="length"/> bytes of its response buffer.</summary>
    public void QueueReply(int index, int length)
    {
        var slot = _queued++;
        _sendIov[slot] = new IoVec { Base = _responseBase + (index * ResponseSize), Length = (nuint)length };
        ref var message = ref _send[slot];
        message.Header.Name = _addresses + (index * AddressSlot);
        message.Header.NameLength = _receive[index].Header.NameLength;
        message.Header.Iov = &_sendIov[slot];
        message.Header.IovLength = 1;
        message.Length = 0;
    }

    /// <summary>
    /// Sends every queued reply. A reply the kernel refuses (the client's address unreachable, buffers full, a firewall)
    /// concerns that one client: it is skipped and the rest still go. Returns an error only when the socket is gone.
    /// </summary>
    public SocketError SendQueued(SafeHandle socket)
    {
        var start = 0;
        while (start < _queued)
        {
            var sent = SendMMsg(socket, _send + start, (uint)(_queued - start), 0);
            if (sent > 0)
            {
                start += sent;
                continue;
            }

            var errno = sent < 0 ? Marshal.GetLastPInvokeError() : 0;
            if (sent < 0 && errno == EIntr)
            {
                continue;
            }

            var error = ToSocketError(errno);
            if (error == SocketError.OperationAborted)
            {
                _queued = 0;
                return error;
            }

            // The first queued reply failed for its own reasons: drop it, send the others.
            start++;
        }

        _queued = 0;
        return SocketError.Success;
    }

    public void Dispose()
    {
        NativeMemory.Free(_receive);
        NativeMemory.Free(_send);
        NativeMemory.Free(_receiveIov);
        NativeMemory.Free(_sendIov);
        NativeMemory.Free(_addresses);
    }

    private static SocketError ToSocketError(int errno) => errno switch
    {
        11 => SocketError.WouldBlock, // EAGAIN
        22 => SocketError.InvalidArgument, // EINVAL
        9 => SocketError.OperationAborted, // EBADF: the socket was closed
        88 => SocketError.NotSocket, // ENOTSOCK
        90 => SocketError.MessageSize, // EMSGSIZE
        101 => SocketError.NetworkUnreachable, // ENETUNREACH
        105 => SocketError.NoBufferSpaceAvailable, // ENOBUFS
        111 => SocketError.ConnectionRefused, // ECONNREFUSED
        113 => SocketError.HostUnreachable, // EHOSTUNREACH
        1 or 13 => SocketError.AccessDenied, // EPERM (e.g. a firewall), EACCES
        _ => SocketError.SocketError,
    };

    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    private static partial int RecvMMsg(SafeHandle socket, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
    private static partial int SendMMsg(SafeHandle socket, MMsgHdr* messages, uint count, int flags);

    // struct iovec, struct msghdr and struct mmsghdr of <sys/socket.h>; sequential layout with native-sized fields
    // gives the C layout on both 32- and 64-bit Linux.
    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public byte* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }
}
