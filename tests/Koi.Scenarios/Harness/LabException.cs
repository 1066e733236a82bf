namespace Koi.Scenarios.Harness;

/// <summary>The lab could not do what a scenario asked: a failure of the scenario, never a skip.</summary>
internal sealed class LabException(string message) : Exception(message);
