using System.CommandLine;

namespace Koi.Cli.Commands.Certmesh;

/// <summary>
/// <c>koi certmesh …</c>: the private CA, through the daemon's <c>/v1/certmesh</c> API. Ceremonies
/// (create, unlock) run through the generic render loop; every decision is the daemon's.
/// </summary>
internal static class CertmeshCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var command = new Command("certmesh", """
            A private certificate authority for the LAN: create it, unlock it after a reboot, watch it.

            Examples:
              koi certmesh create
              koi certmesh create --profile just-me --passphrase-file pass.txt --json
              koi certmesh status
              echo "$PASS" | koi certmesh unlock --passphrase-stdin
              koi certmesh log --verify
              koi certmesh join --code 123456
              koi certmesh approve stone-05
            """);
        command.Subcommands.Add(CertmeshCreateCommand.Create(environment));
        command.Subcommands.Add(CertmeshStatusCommand.Create(environment));
        command.Subcommands.Add(CertmeshUnlockCommand.CreateUnlock(environment));
        command.Subcommands.Add(CertmeshUnlockCommand.CreateLock(environment));
        command.Subcommands.Add(CertmeshPromoteCommand.Create(environment));
        command.Subcommands.Add(CertmeshReadCommands.CreateRoster(environment));
        command.Subcommands.Add(CertmeshReadCommands.CreateLog(environment));
        command.Subcommands.Add(CertmeshReadCommands.CreateCompliance(environment));
        command.Subcommands.Add(CertmeshPolicyCommands.CreateOpenEnrollment(environment));
        command.Subcommands.Add(CertmeshPolicyCommands.CreateCloseEnrollment(environment));
        command.Subcommands.Add(CertmeshPolicyCommands.CreateRotateTotp(environment));
        command.Subcommands.Add(CertmeshPolicyCommands.CreateSetPolicy(environment));
        command.Subcommands.Add(CertmeshPolicyCommands.CreateDestroy(environment));
        command.Subcommands.Add(CertmeshBackupCommands.CreateBackup(environment));
        command.Subcommands.Add(CertmeshBackupCommands.CreateRestore(environment));
        command.Subcommands.Add(CertmeshTrustCommand.Create(environment));
        command.Subcommands.Add(CertmeshJoinCommand.Create(environment));
        command.Subcommands.Add(CertmeshApprovalCommands.CreatePending(environment));
        command.Subcommands.Add(CertmeshApprovalCommands.CreateApprove(environment));
        command.Subcommands.Add(CertmeshApprovalCommands.CreateDeny(environment));
        command.Subcommands.Add(CertmeshApprovalCommands.CreateRevoke(environment));
        command.Subcommands.Add(CertmeshApprovalCommands.CreateVerifyCa(environment));
        command.Subcommands.Add(CertmeshRenewalCommands.CreateRenew(environment));
        command.Subcommands.Add(CertmeshRenewalCommands.CreateSetHook(environment));
        return command;
    }
}
