# Stage 5: the paper's figures, one rule each (figure_fig1 ... figure_figA12). A figure's rule
# takes the tables it shows and its own plotting module as inputs, and writes the PDF and a CSV of
# the numbers and p-values it shows.

for fig in FIGURE_INPUTS:

    rule:
        name:
            f"figure_{fig}"
        input:
            unpack(figure_tables(fig)),
            code=figure_code(fig),
        output:
            pdf=report(
                f"{FIGURES}/{fig}.pdf",
                caption=f"../report/{fig}.rst",
                category="Figures",
            ),
            csv=f"{FIGURES}/{fig}.csv",
        log:
            f"{LOGS}/figures/{fig}.log",
        conda:
            ENV
        params:
            fig=fig,
            inputs=figure_input_args,
            params=json.dumps(figure_params(config, fig)),
        shell:
            "python -m selectivity plot {params.fig} {params.inputs} --params {params.params:q} "
            "--out {output.pdf} --stats {output.csv} > {log} 2>&1"
