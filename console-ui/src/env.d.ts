// Styles are imported for their effect (esbuild bundles them into console-<hash>.css).
declare module "*.css";
