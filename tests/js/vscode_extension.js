// Runs the compiled VS Code extension (out/extension.js) against stand-ins for the `vscode`
// API and `vscode-languageclient/node`, drives it as VS Code would, and prints as JSON what
// it did: the servers it started (command, arguments, options), stopped, and the
// subscriptions it left with VS Code.
// Usage: node vscode_extension.js EXTENSION_JS SETTINGS.json
//   SETTINGS: {"initial": {setting: value}, "changes": [{"setting": name, "value": value}]}
"use strict";
const fs = require("fs");
const Module = require("module");

const [extensionPath, settingsPath] = process.argv.slice(2);
const spec = JSON.parse(fs.readFileSync(settingsPath, "utf8"));
const settings = Object.assign({}, spec.initial);
const events = [];
const listeners = [];
let watchers = 0;

const vscode = {
  workspace: {
    getConfiguration(section) {
      if (section !== "fastlint") throw new Error(`unexpected section ${section}`);
      // VS Code answers a declared setting with its default: null for the server's.
      return { get: (key) => (key in settings ? settings[key] : key === "path" ? "fastlint" : null) };
    },
    createFileSystemWatcher(pattern) {
      watchers += 1;
      return { pattern, dispose() {} };
    },
    onDidChangeConfiguration(listener) {
      listeners.push(listener);
      return { dispose() { listeners.splice(listeners.indexOf(listener), 1); } };
    },
  },
};

let clients = 0;
class LanguageClient {
  constructor(id, name, serverOptions, clientOptions) {
    this.number = ++clients;
    events.push({
      event: "created",
      client: this.number,
      id,
      name,
      serverOptions,
      documentSelector: clientOptions.documentSelector,
      initializationOptions: clientOptions.initializationOptions,
      configurationSection: clientOptions.synchronize.configurationSection,
      fileEvents: clientOptions.synchronize.fileEvents.pattern,
    });
  }
  async start() { events.push({ event: "started", client: this.number }); }
  async stop() { events.push({ event: "stopped", client: this.number }); }
}

const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === "vscode") return vscode;
  if (request === "vscode-languageclient/node") return { LanguageClient };
  return load.call(this, request, parent, isMain);
};

(async () => {
  const extension = require(extensionPath);
  const context = { subscriptions: [] };
  await extension.activate(context);
  for (const change of spec.changes) {
    settings[change.setting] = change.value;
    const event = { affectsConfiguration: (name) => name === `fastlint.${change.setting}` || name === "fastlint" };
    for (const listener of [...listeners]) await listener(event);
  }
  await extension.deactivate();
  console.log(JSON.stringify({ events, subscriptions: context.subscriptions.length, listeners: listeners.length, watchers }));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
