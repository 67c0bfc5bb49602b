/** What every CLI command module exports. Output goes through `io` so tests can capture it. */
export interface CliIo {
    stdout(text: string): void;
    stderr(text: string): void;
    /**
     * Reads standard input (for `--token -`) to its end, or stops once more than `maxBytes` bytes arrived (then the
     * text is longer than `maxBytes`, and the caller fails naming its flag). Bounded, so `yes |` cannot fill memory.
     */
    readStdin(maxBytes: number): Promise<string>;
}

export interface CliCommand {
    /** The full `--help` text. */
    usage: string;
    /** Subcommands' own `--help` texts, by name (`doctor cluster`). */
    subcommands?: Record<string, string>;
    /** Runs the command; resolves to the process exit code. */
    run(argv: readonly string[], io: CliIo): Promise<number>;
}
