"""How a jupyterquiz numeric question grades a value: the tests' way to check a quiz's stored answers."""


def accepts(question, value):
    """Whether ``question`` (a numeric quiz question) marks ``value`` correct: a matching range, or a value equal
    to the answer's at the question's precision (significant digits)."""
    for answer in question["answers"]:
        if "range" in answer and answer["range"][0] <= value < answer["range"][1]:
            return answer["correct"]
        if "value" in answer and float(f"{value:.{question['precision']}g}") == float(
                f"{answer['value']:.{question['precision']}g}"):
            return answer["correct"]
    return False
