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

// The client of the running server; replaced when `fastlint.path` changes.
function startClient(watcher: vscode.FileSystemWatcher): Promise<void> {
  const config = vscode.workspace.getConfiguration("fastlint");
  const command = config.get<string>("path") || "fastlint";
  const serverOptions: ServerOptions = { command, args: ["server"] };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file", language: "python" }],
    initializationOptions: { settings: serverSettings(config) },
    synchronize: {
      configurationSection: "fastlint",
      fileEvents: watcher,
    },
  };
  client = new LanguageClient("fastlint", "fastlint", serverOptions, clientOptions);
  return client.start();
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  // Files changed outside the editor (a checkout) refresh the server's index.
  const watcher = vscode.workspace.createFileSystemWatcher("**/{*.py,pyproject.toml,fastlint.toml}");
  // Other settings reach the running server (didChangeConfiguration); a new executable
  // needs a new server. One watcher and one listener for the extension's lifetime.
  context.subscriptions.push(
    watcher,
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("fastlint.path")) {
        await client?.stop();
        await startClient(watcher);
      }
    }),
  );
  await startClient(watcher);
}

export async function deactivate(): Promise<void> {
  if (client) {
    await client.stop();
  }
}
