// The fastlint extension: starts `fastlint server` (a language server over stdio) for Python
// files and passes the `fastlint.*` settings through as the server reads them
// (initializationOptions.settings, and workspace/didChangeConfiguration under `fastlint`).
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions } from "vscode-languageclient/node";

let client: LanguageClient | undefined;

// The server's setting names (README "Editor integration"); `path` is the extension's own.
const SERVER_SETTINGS = ["configuration", "select", "extendSelect", "ignore", "checkStartup"] as const;

export function serverSettings(config: { get<T>(key: string): T | undefined }): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const key of SERVER_SETTINGS) {
    const value = config.get<unknown>(key);
    if (value !== undefined && value !== null) {
      settings[key] = value;
    }
  }
  return settings;
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const config = vscode.workspace.getConfiguration("fastlint");
  const command = config.get<string>("path") || "fastlint";
  const serverOptions: ServerOptions = { command, args: ["server"] };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file", language: "python" }],
    initializationOptions: { settings: serverSettings(config) },
    synchronize: {
      configurationSection: "fastlint",
      fileEvents: vscode.workspace.createFileSystemWatcher("**/{*.py,pyproject.toml,fastlint.toml}"),
    },
  };
  client = new LanguageClient("fastlint", "fastlint", serverOptions, clientOptions);
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("fastlint.path") && client) {
        await client.stop();
        await activate(context);
      }
    }),
  );
  await client.start();
}

export async function deactivate(): Promise<void> {
  if (client) {
    await client.stop();
  }
}
