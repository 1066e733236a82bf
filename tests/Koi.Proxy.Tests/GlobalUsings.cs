global using System.Net;
global using System.Net.Sockets;
global using Koi.Testing;
