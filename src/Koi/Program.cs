using Koi.Cli;

return await KoiCli.RunAsync(args);
