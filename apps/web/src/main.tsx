import { render } from "solid-js/web";
import { App } from "./app/App.tsx";
import "./styles.css";

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root");
render(() => <App />, root);
