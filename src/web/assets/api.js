// The API reference at `/api/docs`: renders this server's OpenAPI document (routes, parameters,
// request bodies, answers, schemas) with nothing but this file and ui.js.
import { el } from "/static/ui.js";

const METHODS = ["get", "head", "post", "put", "patch", "delete", "options", "trace"];

/** Text whose `code` spans (between backticks) become <code>, as the document writes them. */
function prose(text, tag = "p") {
  const node = el(tag);
  String(text ?? "").split("`").forEach((part, i) => node.append(i % 2 ? el("code", { text: part }) : part));
  return node;
}

/** `#/components/schemas/Name` (or responses) -> its last segment. */
const refName = (ref) => ref.split("/").pop();
const anchor = (kind, name) => `${kind}-${name}`;

/** A schema in one line: a link for a $ref, the type with its bounds otherwise. */
function schemaSummary(schema) {
  if (!schema) return el("span", { text: "—" });
  if (schema.$ref) return el("a", { href: `#${anchor("schema", refName(schema.$ref))}`, text: refName(schema.$ref) });
  for (const key of ["oneOf", "anyOf", "allOf"]) {
    if (schema[key]) {
      const span = el("span");
      schema[key].forEach((s, i) => span.append(i ? (key === "allOf" ? " & " : " | ") : "", schemaSummary(s)));
      return span;
    }
  }
  if (schema.type === "array" || (Array.isArray(schema.type) && schema.type.includes("array"))) {
    return el("span", {}, "array of ", schemaSummary(schema.items));
  }
  const parts = [[schema.type].flat().filter(Boolean).join(" | ") || "any"];
  if (schema.format) parts.push(schema.format);
  if (schema.const !== undefined) parts.push(`always ${JSON.stringify(schema.const)}`);
  if (schema.enum) parts.push(`one of ${schema.enum.filter((v) => v !== null).join(", ")}`);
  if (schema.minimum !== undefined || schema.maximum !== undefined) parts.push(`${schema.minimum ?? ""}..${schema.maximum ?? ""}`);
  if (schema.minLength !== undefined || schema.maxLength !== undefined) parts.push(`${schema.minLength ?? 0} to ${schema.maxLength ?? "∞"} chars`);
  if (schema.default !== undefined) parts.push(`default ${JSON.stringify(schema.default)}`);
  return el("span", { text: parts.join(", ") });
}

function table(head, rows) {
  return el("table", { class: "api-table" },
    el("thead", {}, el("tr", {}, ...head.map((h) => el("th", { text: h })))),
    el("tbody", {}, ...rows.map((cells) => el("tr", {}, ...cells.map((c) => el("td", {}, c))))));
}

function parameters(params) {
  if (!params?.length) return null;
  return table(["Parameter", "In", "Type", "Description"], params.map((p) => [
    el("code", { text: p.name + (p.required ? "" : "?") }), p.in, schemaSummary(p.schema), prose(p.description, "span"),
  ]));
}

function responses(doc, operation) {
  const rows = Object.entries(operation.responses ?? {}).map(([status, response]) => {
    const named = response.$ref ? refName(response.$ref) : null;
    const resolved = named ? doc.components.responses[named] : response;
    const content = Object.entries(resolved.content ?? {});
    const body = content.length
      ? el("span", {}, ...content.flatMap(([type, media], i) => [i ? "; " : "", el("code", { text: type }), " ", schemaSummary(media.schema)]))
      : "—";
    const headers = Object.keys(resolved.headers ?? {}).join(", ");
    return [el("strong", { text: status }), prose(resolved.description, "span"), body, headers || "—"];
  });
  return table(["Status", "Meaning", "Body", "Headers"], rows);
}

function operationView(doc, path, method, operation) {
  const id = anchor("op", operation.operationId ?? `${method}-${path}`);
  const admin = (operation.security ?? []).length > 0;
  const body = operation.requestBody?.content;
  return el("article", { class: "panel api-op", id },
    el("h3", {}, el("span", { class: `api-method m-${method}`, text: method.toUpperCase() }), " ", el("code", { text: path }),
      admin ? el("span", { class: "api-auth", text: "admin token" }) : null),
    operation.summary ? prose(operation.summary) : null,
    operation.description && operation.description !== operation.summary ? prose(operation.description) : null,
    parameters(operation.parameters),
    body ? el("p", {}, "Body: ", ...Object.entries(body).flatMap(([type, media]) => [el("code", { text: type }), " ", schemaSummary(media.schema)])) : null,
    responses(doc, operation));
}

function schemaView(name, schema) {
  const properties = Object.entries(schema.properties ?? {});
  const required = new Set(schema.required ?? []);
  return el("article", { class: "panel api-schema", id: anchor("schema", name) },
    el("h3", {}, el("code", { text: name })),
    schema.description ? prose(schema.description) : null,
    properties.length
      ? table(["Field", "Type", "Description"], properties.map(([field, s]) => [
        el("code", { text: field + (required.has(field) ? "" : "?") }), schemaSummary(s), prose(s.description, "span"),
      ]))
      : el("p", {}, schemaSummary(schema)),
    schema.additionalProperties === false ? el("p", { class: "hint", text: "No other fields are accepted." }) : null);
}

function render(doc) {
  document.getElementById("oas-version").textContent = doc.openapi;
  document.getElementById("api-intro").replaceWith(prose(doc.info.description));
  const routes = document.getElementById("routes");
  const operations = document.getElementById("operations");
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS.filter((m) => item[m])) {
      const operation = item[method];
      const id = anchor("op", operation.operationId ?? `${method}-${path}`);
      routes.append(el("li", { "data-method": method, "data-path": path },
        el("a", { href: `#${id}` }, el("span", { class: `api-method m-${method}`, text: method.toUpperCase() }), " ", el("code", { text: path })),
        " ", prose(operation.summary, "span")));
      operations.append(operationView(doc, path, method, operation));
    }
  }
  const schemas = document.getElementById("schemas");
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) schemas.append(schemaView(name, schema));
}

async function main() {
  const container = document.getElementById("api");
  try {
    const response = await fetch("/api/v1/openapi.json", { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    render(await response.json());
  } catch (e) {
    const error = document.getElementById("api-error");
    error.textContent = `The API document could not be loaded: ${e.message}`;
    error.hidden = false;
  }
  container.setAttribute("aria-busy", "false");
}

main();
