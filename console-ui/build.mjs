// Bundles the console (src/main.tsx and the CSS it imports) into content-hashed files in
// chalicelib/console/static/assets/, with manifest.json mapping console.js / console.css to
// their built names; the app fills them into index.html. `node build.mjs --watch` rebuilds
// on every save.
import * as esbuild from "esbuild";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "chalicelib", "console", "static", "assets");
const watch = process.argv.includes("--watch");

/** @type {import("esbuild").BuildOptions} */
const options = {
  entryPoints: { console: join(here, "src", "main.tsx") },
  bundle: true,
  format: "esm",
  target: ["chrome109", "edge109", "firefox115", "safari16"],
  minify: true,
  sourcemap: "linked",
  entryNames: "[name]-[hash]",
  assetNames: "[name]-[hash]",
  outdir: out,
  metafile: true,
  jsx: "automatic",
  jsxImportSource: "preact",
  legalComments: "linked",
  logLevel: "warning",
};

/** The manifest from what esbuild wrote: logical name -> built name. */
function manifestOf(metafile) {
  const manifest = {};
  for (const [path, output] of Object.entries(metafile.outputs)) {
    const name = basename(path);
    if (output.entryPoint && name.endsWith(".js")) manifest["console.js"] = name;
    else if (name.endsWith(".css")) manifest["console.css"] = name;
  }
  if (!manifest["console.js"] || !manifest["console.css"]) {
    throw new Error(`the build made no console.js or console.css: ${JSON.stringify(manifest)}`);
  }
  return manifest;
}

async function writeManifest(metafile) {
  const manifest = manifestOf(metafile);
  const keep = new Set(Object.keys(metafile.outputs).map((p) => basename(p)));
  for (const name of await readdir(out)) {
    if (!keep.has(name) && name !== "manifest.json") await rm(join(out, name));
  }
  await writeFile(join(out, "manifest.json"), `${JSON.stringify(manifest, null, 1)}\n`);
  return manifest;
}

await mkdir(out, { recursive: true });
if (watch) {
  const ctx = await esbuild.context({
    ...options,
    plugins: [
      {
        name: "manifest",
        setup(build) {
          build.onEnd(async (result) => {
            if (result.metafile) console.log("built", await writeManifest(result.metafile));
          });
        },
      },
    ],
  });
  await ctx.watch();
} else {
  const result = await esbuild.build(options);
  console.log("built", await writeManifest(result.metafile));
}
