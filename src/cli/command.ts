/** What every CLI command module exports. Output goes through `io` so tests can capture it. */
export interface CliIo {
    stdout(text: string): void;
    stderr(text: string): void;
    /** Reads standard input to the end (for `--token -`). */
    readStdin(): Promise<string>;
}

export interface CliCommand {
    /** The full `--help` text. */
    usage: string;
    /** Runs the command; resolves to the process exit code. */
    run(argv: readonly string[], io: CliIo): Promise<number>;
}
