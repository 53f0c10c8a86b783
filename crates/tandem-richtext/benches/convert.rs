//! Benchmark: a 1 MB Azure DevOps HTML description converted to ADF and back, as the engine
//! does on every pass that touches such a field. Run with `cargo bench -p tandem-richtext`.
//! The figure is reported, never asserted (targets live here, not in tests).
//!
//! `TANDEM_BENCH_RUNS=N` changes the number of runs (1 under `valgrind --tool=callgrind`, whose
//! instruction counts stay stable on a loaded machine).

// A benchmark binary reports on stdout.
#![allow(clippy::print_stdout)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use tandem_richtext::{Format, parse, render};

/// One chunk of HTML as the Azure DevOps editor writes it: nested divs, styled spans, `&nbsp;`,
/// lists, a table with merged cells, an image and a mention.
const CHUNK: &str = r##"<div><b>Summary:</b> checkout&nbsp;times out with <span style="color:rgb(255, 0, 0);font-weight:bold;">51</span> items in the cart.<br></div><div><ol><li>Open <a href="https://shop.example.com/cart">the cart</a></li><li>Add items<ul><li>use <code>bulk-add</code></li><li><i>slowly</i></li></ul></li></ol></div><div><table><tbody><tr><td><b>Browser</b></td><td><b>Result</b></td></tr><tr><td rowspan="2">Chrome</td><td>fails</td></tr><tr><td>fails after <u>30 s</u></td></tr></tbody></table></div><div><img src="https://dev.azure.com/o/_apis/wit/attachments/5e8d1a2c-7f3b-4c1e-9a0d-2b6c4e8f1a3d?fileName=a.png" alt="a.png"></div><pre>at CartService.load (cart.ts:112)
at Router.handle (router.ts:42)</pre><div>cc <a href="#" data-vss-mention="version:2.0,7b6f1c2e-3a4d-4e5f-8a9b-0c1d2e3f4a5b">@Jamal Hartnett</a></div>"##;

fn main() {
    let mut html = String::new();
    while html.len() < 1_000_000 {
        html.push_str(CHUNK);
    }
    let runs: usize = std::env::var("TANDEM_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .filter(|r| *r > 0)
        .unwrap_or(15);
    // Per phase: parse HTML, render ADF, parse ADF, render HTML, and the whole round trip.
    let mut phases: [Vec<Duration>; 5] = Default::default();
    for _ in 0..runs {
        let t0 = Instant::now();
        let doc = parse(Format::Html, black_box(&html));
        let t1 = Instant::now();
        let adf = render(&doc, Format::Adf);
        let t2 = Instant::now();
        let back = parse(Format::Adf, &adf.text);
        let t3 = Instant::now();
        let again = render(&back, Format::Html);
        let t4 = Instant::now();
        black_box(&again);
        for (i, d) in [t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0]
            .into_iter()
            .enumerate()
        {
            phases[i].push(d);
        }
        drop((doc, adf, back, again));
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let [p_html, r_adf, p_adf, r_html, total] = &mut phases;
    println!(
        "1 MB HTML description ({} bytes), median of {runs} runs:",
        html.len()
    );
    println!("  parse HTML:             {:8.1} ms", ms(median(p_html)));
    println!("  render ADF:             {:8.1} ms", ms(median(r_adf)));
    println!("  parse ADF:              {:8.1} ms", ms(median(p_adf)));
    println!("  render HTML:            {:8.1} ms", ms(median(r_html)));
    println!("  round trip (target 50): {:8.1} ms", ms(median(total)));
}
