# Stage 5: the paper's figures, one rule each (figure_fig1 ... figure_figA12), generated from the
# figure specs (src/selectivity/plots/specs.py). A figure's rule takes the tables it shows and its
# kind's plotting module as inputs, its resolved spec as params (so editing one entry reruns that
# figure), and writes the PDF and a CSV of the numbers and p-values it shows; both go into the
# report, in the paper's order, with the spec's caption.

for fig in FIGURES:

    rule:
        name:
            f"figure_{fig}"
        input:
            unpack(figure_tables(fig)),
            code=figure_code(fig),
        output:
            pdf=report(
                pattern(layout.FIGURE, figure=fig),
                caption="../report/figure.rst",
                category="Figures",
                labels={"figure": f"{FIGURES[fig].order:02d} {fig}", "file": "PDF"},
            ),
            csv=report(
                pattern(layout.FIGURE_STATS, figure=fig),
                caption="../report/figure.rst",
                category="Figures",
                labels={"figure": f"{FIGURES[fig].order:02d} {fig}", "file": "CSV"},
            ),
        log:
            f"{LOGS}/figures/{fig}.log",
        conda:
            ENV
        params:
            fig=fig,
            inputs=figure_input_args,
            settings=json.dumps(resolved_figure(fig)),
            caption=resolved_figure(fig).get("caption", ""),
        shell:
            "python -m selectivity plot {params.fig} {params.inputs} --settings {params.settings:q} "
            "--out {output.pdf} --stats {output.csv} > {log} 2>&1"
