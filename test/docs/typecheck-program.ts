/**
 * Run by the docs test as a child process (`node --import tsx typecheck-program.ts
 * <tsconfig>`), so that the documented programs can run while it works: builds one
 * TypeScript program from the tsconfig and prints, as JSON on stdout, the diagnostics of its
 * `files` (the blocks) and of its configuration. The sources the blocks import are checked
 * only as far as the blocks need them; the repository's own `tsc` covers the rest.
 */
import ts from "typescript";

export interface Diagnostic {
  /** Absolute path, or "" for a diagnostic of the configuration or the whole program. */
  readonly file: string;
  /** 1-based; 0 when there is no position. */
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

function toDiagnostic(d: ts.Diagnostic): Diagnostic {
  const message = `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  if (d.file === undefined || d.start === undefined)
    return { file: d.file?.fileName ?? "", line: 0, column: 0, message };
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return { file: d.file.fileName, line: line + 1, column: character + 1, message };
}

function check(configPath: string): Diagnostic[] {
  const problems: ts.Diagnostic[] = [];
  const config = ts.getParsedCommandLineOfConfigFile(configPath, undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => problems.push(d),
  });
  if (config === undefined) return problems.map(toDiagnostic);
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
  problems.push(
    ...config.errors,
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
  );
  for (const name of config.fileNames) {
    if (name.endsWith(".d.ts")) continue;
    const source = program.getSourceFile(name);
    if (source === undefined) throw new Error(`${name} is not in the program`);
    problems.push(
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    );
  }
  return problems.map(toDiagnostic);
}

const [configPath] = process.argv.slice(2);
if (configPath === undefined) throw new Error("usage: typecheck-program.ts <tsconfig.json>");
process.stdout.write(JSON.stringify(check(configPath)));
