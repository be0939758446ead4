-- wrk script: every request asks for a query value never asked before (a stage-cache miss).
local counter = 0
math.randomseed(os.time())
local salt = math.random(1000000000)

request = function()
    counter = counter + 1
    return wrk.format(nil, wrk.path .. "?r=" .. salt .. "-" .. counter)
end
