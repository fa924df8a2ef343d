/**
 * Bundles a Node entry point written in TypeScript (the server, the benchmark's processes) into one
 * ES module that plain `node` runs, so production does not start through tsx. On Node 20 tsx's
 * loader hooks run on their own thread: a second V8 isolate that costs ~30 MB of RSS for the life
 * of the process, and every start transpiles the sources again.
 *
 * The workspace's own TypeScript (`@enrollwatch/*`, relative imports) is bundled; every other
 * package stays external, imported by the path of the file Node itself would load (resolved from
 * the importing source file, as pnpm's strict layout requires: a bundle under apps/server cannot
 * see packages/db's dependencies by name). `import.meta.url` in a bundled file is rewritten to that
 * file's own location relative to the bundle, so paths it resolves (migrations, the dashboard's
 * build, Prisma's generated client) stay right and the repository stays relocatable.
 *
 * Usage: tsx scripts/bundle-node.ts <entry.ts> <out.mjs>
 */
import { readFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { dirname, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { build, type Plugin } from "esbuild";

const BUILTINS = new Set(builtinModules);

/** A relative ES module specifier from `fromDir` to `file` (always starting with ./ or ../). */
function specifierFrom(fromDir: string, file: string): string {
  const path = relative(fromDir, file).split(sep).join("/");
  return path.startsWith(".") ? path : `./${path}`;
}

function nodeModulesByPath(outfile: string): Plugin {
  const outDir = dirname(resolve(outfile));
  return {
    name: "node-modules-by-path",
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === "by-path") return undefined;
        const name = args.path.startsWith("node:") ? args.path.slice(5) : args.path;
        if (BUILTINS.has(name) || BUILTINS.has(name.split("/")[0] ?? "")) return { path: args.path, external: true };
        if (args.path.startsWith("@enrollwatch/")) return undefined;
        const found = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: "by-path",
        });
        if (found.errors.length > 0) return { errors: found.errors };
        return { path: specifierFrom(outDir, found.path), external: true };
      });
      build.onLoad({ filter: /\.[cm]?[jt]s$/ }, async (args) => {
        // Read once here and handed to esbuild, changed or not (returning nothing would read it again).
        const source = await readFile(args.path, "utf8");
        const own = JSON.stringify(specifierFrom(outDir, args.path));
        return {
          contents: source.replaceAll("import.meta.url", `new URL(${own}, import.meta.url).href`),
          loader: args.path.endsWith("ts") ? "ts" : "js",
          resolveDir: dirname(args.path),
        };
      });
    },
  };
}

export async function bundleNodeEntry(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // What Node itself picks, so that a package the bundle imports by path is the same file (and
    // the same module instance, which graphql's instanceof checks need) that an external package
    // importing it by name gets.
    mainFields: ["main"],
    conditions: ["module-sync"],
    sourcemap: true,
    logLevel: "warning",
    plugins: [nodeModulesByPath(outfile)],
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [entry, outfile] = process.argv.slice(2);
  if (!entry || !outfile) {
    console.error("usage: tsx scripts/bundle-node.ts <entry.ts> <out.mjs>");
    process.exit(2);
  }
  await bundleNodeEntry(entry, outfile);
}
