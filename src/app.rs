//! The first page: a manifest text area with an Apply button, and a terminal whose
//! command line runs the same interpreter as `kubeplay shell` ([`Shell::exec`]).
//! Streams (`kubectl logs -f`, `get -w`) stay open: while one is, the simulated clock
//! runs with the wall clock and what the stream prints is appended, until Ctrl+C.

use std::rc::Rc;

use kubeplay_core::shell::Shell;
use kubeplay_core::sim::ClusterConfig;
use web_sys::{HtmlElement, HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

/// The name under which the text area is visible to `kubectl apply -f`.
const MANIFEST_FILE: &str = "manifest.yaml";

/// What the text area holds at first: the Deployment and NodePort Service from the
/// "how Kubernetes works" tutorials.
const EXAMPLE_MANIFEST: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: flask-deployment
spec:
  replicas: 3
  selector:
    matchLabels:
      app: flask-app
  template:
    metadata:
      labels:
        app: flask-app
    spec:
      containers:
      - name: flask-container
        image: flask-app:latest
        ports:
        - containerPort: 5000
---
apiVersion: v1
kind: Service
metadata:
  name: flask-service
spec:
  type: NodePort
  selector:
    app: flask-app
  ports:
  - port: 80
    targetPort: 5000
    nodePort: 30007
";

/// One command run in the terminal and what the interpreter printed for it.
#[derive(PartialEq)]
struct Entry {
    /// The prompt the command was typed at (`$ `, or an attached container shell's).
    prompt: String,
    command: String,
    output: String,
}

/// The terminal's transcript.
#[derive(Default, PartialEq)]
struct Transcript {
    entries: Vec<Rc<Entry>>,
}

enum Action {
    /// A command and its output.
    Push(Entry),
    /// More output of the last command (an open stream).
    Append(String),
}

impl Reducible for Transcript {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut entries = self.entries.clone();
        match action {
            Action::Push(entry) => entries.push(Rc::new(entry)),
            Action::Append(text) => {
                if let Some(last) = entries.pop() {
                    entries.push(Rc::new(Entry {
                        prompt: last.prompt.clone(),
                        command: last.command.clone(),
                        output: format!("{}{text}", last.output),
                    }));
                }
            }
        }
        Rc::new(Transcript { entries })
    }
}

/// How often an open stream is looked at, in ms of wall and simulated time.
const STREAM_TICK_MS: u32 = 250;

#[component]
pub fn App() -> Html {
    let shell = use_mut_ref(|| {
        let mut shell = Shell::new(ClusterConfig::default());
        shell.set_live(true);
        shell
    });
    let transcript = use_reducer(Transcript::default);
    // The timer that runs the clock while a stream is open.
    let stream_timer = use_mut_ref(|| None::<gloo_timers::callback::Interval>);
    // Command history for the up and down arrows: past lines and the cursor into them.
    let history = use_mut_ref(|| (Vec::<String>::new(), 0usize));
    let manifest_ref = use_node_ref();
    let terminal_ref = use_node_ref();

    let run = {
        let shell = shell.clone();
        let dispatcher = transcript.dispatcher();
        let stream_timer = stream_timer.clone();
        Callback::from(move |command: String| {
            let prompt = shell.borrow().prompt().to_string();
            let output = shell.borrow_mut().exec(&command, None);
            dispatcher.dispatch(Action::Push(Entry {
                prompt,
                command,
                output,
            }));
            if !shell.borrow().following() {
                *stream_timer.borrow_mut() = None;
                return;
            }
            let (shell, dispatcher, timer) =
                (shell.clone(), dispatcher.clone(), stream_timer.clone());
            let interval = gloo_timers::callback::Interval::new(STREAM_TICK_MS, move || {
                if shell.borrow().following() {
                    let text = shell.borrow_mut().tick(i64::from(STREAM_TICK_MS));
                    if !text.is_empty() {
                        dispatcher.dispatch(Action::Append(text));
                    }
                }
                if !shell.borrow().following() {
                    // The stream ended: stop the clock. Dropping the timer cancels it,
                    // which must not happen inside its own callback.
                    let timer = timer.clone();
                    gloo_timers::callback::Timeout::new(0, move || {
                        timer.borrow_mut().take();
                    })
                    .forget();
                }
            });
            *stream_timer.borrow_mut() = Some(interval);
        })
    };

    let on_apply = {
        let shell = shell.clone();
        let run = run.clone();
        let manifest_ref = manifest_ref.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(area) = manifest_ref.cast::<HtmlTextAreaElement>() {
                shell.borrow_mut().put_file(MANIFEST_FILE, &area.value());
                run.emit(format!("kubectl apply -f {MANIFEST_FILE}"));
            }
        })
    };

    let on_keydown = {
        let history = history.clone();
        let shell = shell.clone();
        let dispatcher = transcript.dispatcher();
        Callback::from(move |e: KeyboardEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let mut history = history.borrow_mut();
            let (lines, cursor) = &mut *history;
            if e.ctrl_key() && e.key() == "c" && shell.borrow().following() {
                e.prevent_default();
                shell.borrow_mut().interrupt();
                *stream_timer.borrow_mut() = None;
                dispatcher.dispatch(Action::Append("^C\n".into()));
                return;
            }
            match e.key().as_str() {
                "Enter" => {
                    let line = input.value().trim().to_string();
                    if line.is_empty() {
                        return;
                    }
                    input.set_value("");
                    lines.push(line.clone());
                    *cursor = lines.len();
                    run.emit(line);
                }
                "ArrowUp" if *cursor > 0 => {
                    e.prevent_default();
                    *cursor -= 1;
                    input.set_value(&lines[*cursor]);
                }
                "ArrowDown" if *cursor < lines.len() => {
                    e.prevent_default();
                    *cursor += 1;
                    input.set_value(lines.get(*cursor).map(String::as_str).unwrap_or(""));
                }
                _ => {}
            }
        })
    };

    // Keep the newest output in view.
    {
        let terminal_ref = terminal_ref.clone();
        let last_len = transcript.entries.last().map_or(0, |e| e.output.len());
        use_effect_with((transcript.entries.len(), last_len), move |_| {
            if let Some(el) = terminal_ref.cast::<HtmlElement>() {
                el.set_scroll_top(el.scroll_height());
            }
        });
    }

    html! {
        <div class="layout">
            <header>
                <h1>{ "Kubeplay" }</h1>
                <span class="tagline">{ "a Kubernetes cluster in your browser tab" }</span>
            </header>
            <section class="editor">
                <label for="manifest">{ MANIFEST_FILE }</label>
                <textarea id="manifest" ref={manifest_ref} spellcheck="false"
                    value={EXAMPLE_MANIFEST} />
                <button id="apply" onclick={on_apply}>{ "Apply" }</button>
            </section>
            <section class="console">
                <pre id="terminal" ref={terminal_ref} aria-live="polite">
                    { for transcript.entries.iter().enumerate().map(|(i, e)| html! {
                        <span key={i}>
                            <span class="echo">{ format!("{}{}\n", e.prompt, e.command) }</span>
                            { e.output.clone() }
                        </span>
                    }) }
                </pre>
                <div class="prompt">
                    <span aria-hidden="true">{ shell.borrow().prompt().trim_end().to_string() }</span>
                    <input id="command" type="text" onkeydown={on_keydown} autofocus=true
                        autocomplete="off" spellcheck="false" aria-label="command"
                        placeholder="kubectl get nodes" />
                </div>
            </section>
        </div>
    }
}
