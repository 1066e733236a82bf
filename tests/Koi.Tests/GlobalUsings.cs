global using Koi.Testing;
global using Microsoft.Extensions.DependencyInjection;
