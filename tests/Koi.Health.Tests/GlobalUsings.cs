global using System.Net;
global using Koi.Testing;
