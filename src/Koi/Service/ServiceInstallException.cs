namespace Koi.Service;

/// <summary>A step of install or uninstall failed; the message says which and what the tool answered.</summary>
internal sealed class ServiceInstallException(string message) : Exception(message);
