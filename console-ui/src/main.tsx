// The claims console's entry: the styles, and the app mounted on #root (index.html).
import "./console.css";
import { render } from "preact";
import { App } from "./app";

const root = document.getElementById("root");
if (root) render(<App />, root);
