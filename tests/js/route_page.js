// Runs the route page's script against a small DOM built from the page's rows, clicks the
// headers and rows, and prints what the table looks like after each click, as JSON.
// Usage: node route_page.js SPEC.json   (SPEC: {script, headers: [key], rows: [{attrs}]})
"use strict";
const fs = require("fs");
const vm = require("vm");

const spec = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));

function element(attrs) {
  const node = {
    attrs: Object.assign({}, attrs),
    listeners: {},
    hidden: false,
    children: [],
    parent: null,
    classList: { contains: (name) => (node.attrs.class || "").split(" ").includes(name) },
    getAttribute(key) { return key in node.attrs ? node.attrs[key] : null; },
    setAttribute(key, value) { node.attrs[key] = String(value); },
    removeAttribute(key) { delete node.attrs[key]; },
    addEventListener(type, listener) { (node.listeners[type] = node.listeners[type] || []).push(listener); },
    click() { (node.listeners.click || []).forEach((listener) => listener()); },
    appendChild(child) {
      if (child.parent) child.parent.children.splice(child.parent.children.indexOf(child), 1);
      child.parent = node;
      node.children.push(child);
      return child;
    },
    get nextElementSibling() {
      const siblings = node.parent.children;
      return siblings[siblings.indexOf(node) + 1] || null;
    },
  };
  return node;
}

const tbody = element({});
for (const attrs of spec.rows) {
  tbody.appendChild(element(attrs));
  const detail = tbody.appendChild(element({ class: "detail" }));
  detail.hidden = true;
}
const headers = spec.headers.map((key) => element({ "data-key": key }));
const table = { tBodies: [tbody], querySelectorAll: (selector) => (selector === "th[data-key]" ? headers : []) };
const document = { getElementById: (id) => (id === "routes" ? table : null) };
vm.runInNewContext(spec.script, { document });

const routes = () => tbody.children.filter((row) => row.classList.contains("route"));
const states = [];
function snapshot(action) {
  states.push({
    action,
    paths: routes().map((row) => row.getAttribute("data-path")),
    findings: routes().map((row) => Number(row.getAttribute("data-findings"))),
    paired: routes().every((row) => row.nextElementSibling && row.nextElementSibling.classList.contains("detail")),
    sort: headers.map((header) => header.getAttribute("aria-sort")),
    open: routes().map((row) => !row.nextElementSibling.hidden),
    expanded: routes().map((row) => row.getAttribute("aria-expanded")),
  });
}
const header = (key) => headers[spec.headers.indexOf(key)];
header("path").click(); snapshot("sort path");
header("path").click(); snapshot("sort path again");
header("findings").click(); snapshot("sort findings");
if (routes().length) { routes()[0].click(); snapshot("open first"); routes()[0].click(); snapshot("close first"); }
process.stdout.write(JSON.stringify(states));
