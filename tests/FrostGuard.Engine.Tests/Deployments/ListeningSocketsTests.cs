using FrostGuard.Engine.Deployments;

namespace FrostGuard.Engine.Tests.Deployments;

public sealed class ListeningSocketsTests
{
    // /proc/net/tcp as the kernel writes it: a LISTEN socket on 127.0.0.1:58080 (inode 4242),
    // an established connection of the same process, and another process's listener.
    private const string Table = """
          sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 0100007F:E2C0 00000000:0000 0A 00000000:00000000 00:00000000 00000000 10001        0 4242 1 0000000000000000 100 0 0 10 0
           1: 0100007F:D8A4 0100007F:D6D8 01 00000000:00000000 00:00000000 00000000 10001        0 4243 1 0000000000000000 20 4 30 10 -1
           2: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 999 1 0000000000000000 100 0 0 10 0
        """;

    [Fact]
    public void Only_listening_sockets_of_the_given_process_count()
    {
        Assert.Equal(["127.0.0.1:58048"], ListeningSockets.Listening(Table, new HashSet<long> { 4242, 4243 }));
    }

    [Fact]
    public void Only_established_connections_accepted_on_the_port_count_as_left_to_drain()
    {
        // Line 1 is ESTABLISHED with local port 0xD8A4 (55460); its peer's side (local 0xD6D8) and the listener do not count.
        Assert.Equal(1, ListeningSockets.EstablishedTo(Table, 0xD8A4));
        Assert.Equal(0, ListeningSockets.EstablishedTo(Table, 0xD6D8));
        Assert.Equal(0, ListeningSockets.EstablishedTo(Table, 0xE2C0));
    }

    [Fact]
    public void A_process_with_only_outgoing_connections_listens_on_nothing()
    {
        // The worker: it posts to the API and binds no port.
        Assert.Empty(ListeningSockets.Listening(Table, new HashSet<long> { 4243 }));
    }

    [Theory]
    [InlineData("0100007F:E292", "127.0.0.1:58002")]
    [InlineData("00000000:0016", "0.0.0.0:22")]
    public void Addresses_are_read_in_the_kernels_byte_order(string hex, string expected) =>
        Assert.Equal(expected, ListeningSockets.Endpoint(hex));

    [Fact]
    public void This_test_process_listening_on_a_port_is_found_in_proc()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            Assert.Contains($"127.0.0.1:{port}", ListeningSockets.ForProcesses([Environment.ProcessId]));
        }
        finally
        {
            listener.Stop();
        }
    }
}
