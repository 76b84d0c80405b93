// Types for the parts of the libpq binding (node-postgres's synchronous libpq wrapper) the PostgreSQL store uses.
declare module 'libpq' {
  class PQ {
    connectSync(conninfo: string): void;
    finish(): void;
    exec(text: string): void;
    execParams(text: string, params: (string | null)[]): void;
    prepare(name: string, text: string, nParams: number): void;
    execPrepared(name: string, params: (string | null)[]): void;
    resultStatus(): string;
    resultErrorMessage(): string;
    resultErrorFields(): Record<string, string> | null;
    errorMessage(): string;
    ntuples(): number;
    nfields(): number;
    fname(i: number): string;
    ftype(i: number): number;
    getvalue(row: number, col: number): string;
    getisnull(row: number, col: number): boolean;
    cmdTuples(): string;
    cmdStatus(): string;
    transactionStatus(): number;
    clear(): void;
    connected: boolean;
  }
  export = PQ;
}
